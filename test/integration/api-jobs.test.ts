import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../../src/db/tables.ts';
import type { OpenApiDocument } from '../contract/document.ts';
import { bearer, closeApiSuite, startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createMarkedNumbers, createTenant, uniqueE164 } from '../support/factories.ts';
import { idRequests, idRoutes, JOBS } from '../support/job-routes.ts';
import { uniquePrefix } from '../support/redis.ts';
import { waitFor } from '../support/wait.ts';
import { lockNumbers, waitingBackends } from '../support/worker-blocker.ts';

// The job resource and cancelling (docs/api.md, "Jobs"). Two API instances on one database: `idle` has no worker on
// its queue (its jobs stay queued), `busy` runs a real worker (its jobs get processed).

const URL = '/api/v3/oc/numbers/action/ready-for-removal';
const idlePrefix = uniquePrefix('api-jobs-idle');
const busyPrefix = uniquePrefix('api-jobs-busy');
let t: TestDatabase;
let idle: TestApp;
let busy: TestApp;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let auth: { authorization: string };
let otherAuth: { authorization: string };

beforeAll(async () => {
  t = await createTestDatabase();
  idle = await startTestApp(t, idlePrefix);
  busy = await startTestApp(t, busyPrefix, { WORKER_CHUNK_SIZE: '1' }, { worker: true });
  tenant = await createTenant(t.db);
  auth = bearer(tenant.apiKey.key);
  otherAuth = bearer((await createTenant(t.db)).apiKey.key);
});
afterAll(async () => {
  await busy?.close();
  await closeApiSuite({ t, api: idle }, idlePrefix, busyPrefix);
});

const marked = (count: number) => createMarkedNumbers(t.db, tenant, count);

const get = (api: TestApp, url: string, headers: Record<string, string> = auth) =>
  api.app.inject({ method: 'GET', url, headers });

async function submit(api: TestApp, telephoneNumbers: string[], prefer?: string) {
  const res = await api.app.inject({
    method: 'POST',
    url: URL,
    headers: { ...auth, ...(prefer && { prefer }) },
    payload: { telephoneNumbers },
  });
  return { res, body: JSON.parse(res.body) };
}

describe('job resource', () => {
  it('a finished job carries its result; the items list every number in request order', async () => {
    const [ok] = await marked(1);
    const unknown = uniqueE164();
    const { body: result } = await submit(busy, [unknown, ok as string]);
    const res = await get(idle, `${JOBS}/${result.data.jobId}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['retry-after']).toBeUndefined();
    const job = JSON.parse(res.body);
    expect(job).toEqual({
      jobId: result.data.jobId,
      operation: 'ready-for-removal',
      state: 'completed',
      createdAt: expect.any(String),
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
      progress: {
        requestedCount: 2,
        processedCount: 2,
        successCount: 1,
        failedCount: 1,
        percent: 100,
      },
      result: {
        data: result.data,
        status: 'partialSuccess',
        succeeded: false,
        message: '1 of 2 numbers transitioned to ReadyForRemoval status',
      },
    });

    const items = await get(idle, `${JOBS}/${job.jobId}/items`);
    expect(JSON.parse(items.body)).toEqual({
      data: [
        {
          position: 0,
          telephoneNumber: unknown,
          outcome: 'NUMBER_NOT_FOUND',
          detail: 'The telephone number does not exist in this inventory',
          processedAt: expect.any(String),
        },
        {
          position: 1,
          telephoneNumber: ok,
          outcome: 'SUCCEEDED',
          processedAt: expect.any(String),
        },
      ],
      nextCursor: null,
    });
    const failed = await get(idle, `${JOBS}/${job.jobId}/items?outcome=NUMBER_NOT_FOUND`);
    expect(JSON.parse(failed.body).data.map((i: { position: number }) => i.position)).toEqual([0]);
  });

  it('a queued job: Retry-After, zero progress, its items NOT_PROCESSED, paginated and as CSV', async () => {
    const numbers = Array.from({ length: 5 }, uniqueE164);
    const { res: created, body: queued } = await submit(idle, numbers, 'respond-async');
    expect(created.statusCode).toBe(202);
    const res = await get(idle, `${JOBS}/${queued.jobId}`);
    expect(res.headers['retry-after']).toBe('1');
    expect(JSON.parse(res.body)).toMatchObject({ state: 'queued', progress: { percent: 0 } });

    const seen: string[] = [];
    let url: string | undefined = `${JOBS}/${queued.jobId}/items?limit=2`;
    while (url) {
      const page = await get(idle, url);
      const body = JSON.parse(page.body);
      for (const item of body.data) {
        expect(item.outcome).toBe('NOT_PROCESSED');
        seen.push(item.telephoneNumber);
      }
      const link = page.headers.link as string | undefined;
      expect(Boolean(link)).toBe(body.nextCursor !== null);
      url = link ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined;
    }
    expect(seen).toEqual(numbers);

    const csv = await get(idle, `${JOBS}/${queued.jobId}/items`, { ...auth, accept: 'text/csv' });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.split('\r\n')).toEqual([
      'position,telephoneNumber,outcome,currentStatus,detail,processedAt',
      ...numbers.map((n, i) => `${i},${n},NOT_PROCESSED,,,`),
      '',
    ]);
  });

  it('items honour Accept q-values, say Vary: Accept, and answer 406 when nothing fits', async () => {
    const { body: queued } = await submit(idle, [uniqueE164()], 'respond-async');
    const items = `${JOBS}/${queued.jobId}/items`;
    const cases: [string | undefined, string | number][] = [
      [undefined, 'application/json'],
      ['*/*', 'application/json'],
      ['text/csv;q=0, application/json', 'application/json'],
      ['text/csv;q=0.5, application/json;q=0.9', 'application/json'],
      ['application/json;q=0.2, text/csv', 'text/csv'],
      ['text/*', 'text/csv'],
      ['text/csv, application/json', 'text/csv'],
      ['text/html', 406],
      ['text/csv;q=0', 406],
    ];
    for (const [accept, expected] of cases) {
      const res = await get(idle, items, accept === undefined ? auth : { ...auth, accept });
      expect(res.headers.vary, String(accept)).toBe('Accept');
      if (typeof expected === 'number') {
        expect(res.statusCode, String(accept)).toBe(expected);
        expect(JSON.parse(res.body)).toMatchObject({ errorCode: 'NOT_ACCEPTABLE' });
      } else {
        expect(res.statusCode, String(accept)).toBe(200);
        expect(String(res.headers['content-type']), String(accept)).toContain(expected);
      }
    }
  });

  it("lists the operator's jobs newest first, by state, with a keyset cursor", async () => {
    const listed: string[] = [];
    let url: string | undefined = `${JOBS}?limit=2`;
    while (url) {
      const page = await get(idle, url);
      expect(page.statusCode).toBe(200);
      const body = JSON.parse(page.body);
      listed.push(...body.data.map((j: { jobId: string }) => j.jobId));
      url = body.nextCursor ? `${JOBS}?limit=2&cursor=${body.nextCursor}` : undefined;
    }
    const expected = await t.db
      .select({ id: jobs.id, createdAt: jobs.createdAt })
      .from(jobs)
      .where(eq(jobs.operatorId, tenant.operator.id));
    expect(listed).toEqual(
      expected
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
        .map((j) => j.id),
    );
    const queued = JSON.parse((await get(idle, `${JOBS}?state=queued`)).body);
    expect(queued.data.length).toBeGreaterThan(0);
    for (const job of queued.data) expect(job.state).toBe('queued');
    // Lists leave the per-number failures out.
    const completed = JSON.parse((await get(idle, `${JOBS}?state=completed`)).body);
    expect(completed.data[0].result.data.failures).toBeUndefined();
    expect(completed.data[0].result.data.failedCount).toBe(1);
  });

  it('refuses bad list parameters with 400', async () => {
    const cursor = await get(idle, `${JOBS}?cursor=not-a-cursor`);
    expect(cursor.statusCode).toBe(400);
    expect(JSON.parse(cursor.body).errorCode).toBe('INVALID_CURSOR');
    const limit = await get(idle, `${JOBS}?limit=0`);
    expect(limit.statusCode).toBe(400);
    expect(JSON.parse(limit.body)).toMatchObject({ errorCode: 'INVALID_REQUEST' });
    const state = await get(idle, `${JOBS}?state=paused`);
    expect(state.statusCode).toBe(400);
  });
});

describe('cancelling', () => {
  it('cancels a queued job and removes it from the queue; cancelling again changes nothing', async () => {
    const { body: queued } = await submit(idle, [uniqueE164()], 'respond-async');
    expect(await idle.deps.queue.getJob(queued.jobId)).toBeDefined();
    const res = await idle.app.inject({
      method: 'POST',
      url: `${JOBS}/${queued.jobId}/cancel`,
      headers: auth,
    });
    expect(res.statusCode).toBe(200);
    const cancelled = JSON.parse(res.body);
    expect(cancelled).toMatchObject({
      state: 'cancelled',
      progress: { processedCount: 0 },
      result: { status: 'cancelled', data: { processedCount: 0, requestedCount: 1 } },
    });
    expect(await idle.deps.queue.getJob(queued.jobId)).toBeUndefined();
    const again = await idle.app.inject({
      method: 'DELETE',
      url: `${JOBS}/${queued.jobId}`,
      headers: auth,
    });
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.body)).toEqual(cancelled);
  });

  it('cancels a running job from another API instance than the one that runs it', async () => {
    const numbers = await marked(50);
    const release = await lockNumbers(t.sql, [numbers[1] as string]);
    const { body: running } = await submit(busy, numbers, 'respond-async');
    await waitFor('the first number to be processed', async () => {
      const body = JSON.parse((await get(idle, `${JOBS}/${running.jobId}`)).body);
      return body.progress.processedCount === 1 ? true : undefined;
    });
    // Only once the worker's next chunk waits on the held number does it hold the job row; a
    // cancel sent before that could take the row first and land at once.
    await waitFor('the worker to wait on the held number', async () =>
      (await waitingBackends(t.sql, 'oc-numbers-api')).length >= 1 ? true : undefined,
    );
    const cancel = idle.app.inject({
      method: 'DELETE',
      url: `${JOBS}/${running.jobId}`,
      headers: auth,
    });
    // The busy app's worker waits on the held number; the cancel must wait on the job's row
    // lock behind it before the number is let go (both use the API's pool).
    await waitFor('the cancel to wait for the job row', async () =>
      (await waitingBackends(t.sql, 'oc-numbers-api')).length >= 2 ? true : undefined,
    );
    await release();
    const res = await cancel;
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body);
    expect(body.state).toBe('cancelled');
    // Right after the held chunk (the second): the worker's next chunk queues behind the cancel.
    expect(body.progress.processedCount).toBe(2);
    expect(body.result).toMatchObject({
      status: 'cancelled',
      data: { processedCount: body.progress.processedCount },
    });
  });

  it('a finished job is not changed: 409 JOB_FINISHED', async () => {
    const { body: result } = await submit(busy, await marked(1));
    const res = await idle.app.inject({
      method: 'POST',
      url: `${JOBS}/${result.data.jobId}/cancel`,
      headers: auth,
    });
    expect(res.statusCode).toBe(409);
    expect(JSON.parse(res.body)).toMatchObject({
      errorCode: 'JOB_FINISHED',
      detail: 'The job already completed',
      job: { jobId: result.data.jobId, state: 'completed' },
    });
  });
});

describe('isolation', () => {
  it("another operator's job or number is a 404 identical to a missing or malformed id, on every documented route", async () => {
    const [number] = await marked(1);
    const { body: mine } = await submit(idle, [uniqueE164()], 'respond-async');
    const document = idle.app.swagger() as unknown as OpenApiDocument;
    expect(idRoutes(document).map((r) => `${r.method} ${r.template}`)).toEqual(
      expect.arrayContaining([
        `GET ${JOBS}/{jobId}`,
        `GET ${JOBS}/{jobId}/items`,
        `POST ${JOBS}/{jobId}/cancel`,
        `DELETE ${JOBS}/{jobId}`,
        'GET /api/v3/oc/numbers/{telephoneNumber}',
      ]),
    );
    const endpoint = await idle.app.inject({
      method: 'POST',
      url: '/api/v3/oc/webhooks',
      headers: auth,
      payload: { url: 'https://93.184.216.34/hooks/oc', events: ['job.failed'] },
    });
    expect(endpoint.statusCode).toBe(201);
    const endpointId = endpoint.json().id as string;
    const tries = [
      {
        as: otherAuth,
        ids: { jobId: mine.jobId, telephoneNumber: number as string, endpointId },
      },
      {
        as: auth,
        ids: {
          jobId: '00000000-0000-4000-8000-000000000000',
          telephoneNumber: uniqueE164(),
          endpointId: '00000000-0000-4000-8000-000000000000',
        },
      },
      {
        as: auth,
        ids: { jobId: 'not-a-uuid', telephoneNumber: 'not-a-number', endpointId: 'not-a-uuid' },
      },
    ];
    const shapes = new Set<string>();
    for (const { as, ids } of tries) {
      for (const [method, url, accept, body] of idRequests(document, ids)) {
        const res = await idle.app.inject({
          method: method as 'GET',
          url,
          headers: { ...as, ...accept },
          ...(body !== undefined && { payload: body as Record<string, unknown> }),
        });
        expect({ url, status: res.statusCode }).toEqual({ url, status: 404 });
        expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
        const { errorTicket, traceId, instance, ...rest } = JSON.parse(res.body);
        expect(instance).toBe(url);
        shapes.add(JSON.stringify(rest));
      }
    }
    expect([...shapes]).toEqual([
      JSON.stringify({
        type: 'urn:oc-numbers:problem:not-found',
        title: 'Not found',
        status: 404,
        detail: 'The requested resource does not exist',
        errorCode: 'NOT_FOUND',
      }),
    ]);
    const theirs = JSON.parse((await get(idle, JOBS, otherAuth)).body);
    expect(theirs.data.map((j: { jobId: string }) => j.jobId)).not.toContain(mine.jobId);
    // Still queued and untouched for its owner.
    expect(JSON.parse((await get(idle, `${JOBS}/${mine.jobId}`)).body).state).toBe('queued');
  });
});
