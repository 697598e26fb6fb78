import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { jobs } from '../../src/db/tables.ts';
import { uniqueE164 } from '../support/factories.ts';
import { useJobApps } from '../support/job-apps.ts';
import { JOBS } from '../support/job-routes.ts';

// The job resource (docs/api.md, "Jobs"): a job, its items, the list. Two API instances on one
// database (useJobApps): `idle` has no worker on its queue, `busy` runs a real worker.
// Cancelling and isolation are in api-job-cancel.test.ts.

const apps = useJobApps('api-jobs');
const { marked, get, submit } = apps;

describe('job resource', () => {
  it('a finished job carries its result; the items list every number in request order', async () => {
    const [ok] = await marked(1);
    const unknown = uniqueE164();
    const { body: result } = await submit(apps.busy, [unknown, ok as string]);
    const res = await get(apps.idle, `${JOBS}/${result.data.jobId}`);
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

    const items = await get(apps.idle, `${JOBS}/${job.jobId}/items`);
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
    const failed = await get(apps.idle, `${JOBS}/${job.jobId}/items?outcome=NUMBER_NOT_FOUND`);
    expect(JSON.parse(failed.body).data.map((i: { position: number }) => i.position)).toEqual([0]);
  });

  it('a queued job: Retry-After, zero progress, its items NOT_PROCESSED, paginated and as CSV', async () => {
    const numbers = Array.from({ length: 5 }, uniqueE164);
    const { res: created, body: queued } = await submit(apps.idle, numbers, 'respond-async');
    expect(created.statusCode).toBe(202);
    const res = await get(apps.idle, `${JOBS}/${queued.jobId}`);
    expect(res.headers['retry-after']).toBe('1');
    expect(JSON.parse(res.body)).toMatchObject({ state: 'queued', progress: { percent: 0 } });

    const seen: string[] = [];
    let url: string | undefined = `${JOBS}/${queued.jobId}/items?limit=2`;
    while (url) {
      const page = await get(apps.idle, url);
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

    const csv = await get(apps.idle, `${JOBS}/${queued.jobId}/items`, {
      ...apps.auth,
      accept: 'text/csv',
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.split('\r\n')).toEqual([
      'position,telephoneNumber,outcome,currentStatus,detail,processedAt',
      ...numbers.map((n, i) => `${i},${n},NOT_PROCESSED,,,`),
      '',
    ]);
  });

  it('items honour Accept q-values, say Vary: Accept, and answer 406 when nothing fits', async () => {
    const { body: queued } = await submit(apps.idle, [uniqueE164()], 'respond-async');
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
      const res = await get(
        apps.idle,
        items,
        accept === undefined ? apps.auth : { ...apps.auth, accept },
      );
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
      const page = await get(apps.idle, url);
      expect(page.statusCode).toBe(200);
      const body = JSON.parse(page.body);
      listed.push(...body.data.map((j: { jobId: string }) => j.jobId));
      url = body.nextCursor ? `${JOBS}?limit=2&cursor=${body.nextCursor}` : undefined;
    }
    const expected = await apps.t.db
      .select({ id: jobs.id, createdAt: jobs.createdAt })
      .from(jobs)
      .where(eq(jobs.operatorId, apps.tenant.operator.id));
    expect(listed).toEqual(
      expected
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
        .map((j) => j.id),
    );
    const queued = JSON.parse((await get(apps.idle, `${JOBS}?state=queued`)).body);
    expect(queued.data.length).toBeGreaterThan(0);
    for (const job of queued.data) expect(job.state).toBe('queued');
    // Lists leave the per-number failures out.
    const completed = JSON.parse((await get(apps.idle, `${JOBS}?state=completed`)).body);
    expect(completed.data[0].result.data.failures).toBeUndefined();
    expect(completed.data[0].result.data.failedCount).toBe(1);
  });

  it('refuses bad list parameters with 400', async () => {
    const cursor = await get(apps.idle, `${JOBS}?cursor=not-a-cursor`);
    expect(cursor.statusCode).toBe(400);
    expect(JSON.parse(cursor.body).errorCode).toBe('INVALID_CURSOR');
    const limit = await get(apps.idle, `${JOBS}?limit=0`);
    expect(limit.statusCode).toBe(400);
    expect(JSON.parse(limit.body)).toMatchObject({ errorCode: 'INVALID_REQUEST' });
    const state = await get(apps.idle, `${JOBS}?state=paused`);
    expect(state.statusCode).toBe(400);
  });
});
