import { describe, expect, it } from 'vitest';
import type { OpenApiDocument } from '../contract/document.ts';
import { uniqueE164 } from '../support/factories.ts';
import { useJobApps } from '../support/job-apps.ts';
import { idRequests, idRoutes, JOBS } from '../support/job-routes.ts';
import { waitFor } from '../support/wait.ts';
import { lockNumbers, waitingBackends } from '../support/worker-blocker.ts';

// Cancelling a job (docs/api.md, "Cancelling") and a job's isolation from other operators.
// Two API instances on one database (useJobApps): `idle` has no worker on its queue (its jobs
// stay queued), `busy` runs a real worker (its jobs get processed).

const apps = useJobApps('api-job-cancel');
const { marked, get, submit } = apps;

describe('cancelling', () => {
  it('cancels a queued job and removes it from the queue; cancelling again changes nothing', async () => {
    const { body: queued } = await submit(apps.idle, [uniqueE164()], 'respond-async');
    expect(await apps.idle.deps.queue.getJob(queued.jobId)).toBeDefined();
    const res = await apps.idle.app.inject({
      method: 'POST',
      url: `${JOBS}/${queued.jobId}/cancel`,
      headers: apps.auth,
    });
    expect(res.statusCode).toBe(200);
    const cancelled = JSON.parse(res.body);
    expect(cancelled).toMatchObject({
      state: 'cancelled',
      progress: { processedCount: 0 },
      result: { status: 'cancelled', data: { processedCount: 0, requestedCount: 1 } },
    });
    expect(await apps.idle.deps.queue.getJob(queued.jobId)).toBeUndefined();
    const again = await apps.idle.app.inject({
      method: 'DELETE',
      url: `${JOBS}/${queued.jobId}`,
      headers: apps.auth,
    });
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.body)).toEqual(cancelled);
  });

  it('cancels a running job from another API instance than the one that runs it', async () => {
    const numbers = await marked(50);
    const release = await lockNumbers(apps.t.sql, [numbers[1] as string]);
    const { body: running } = await submit(apps.busy, numbers, 'respond-async');
    await waitFor('the first number to be processed', async () => {
      const body = JSON.parse((await get(apps.idle, `${JOBS}/${running.jobId}`)).body);
      return body.progress.processedCount === 1 ? true : undefined;
    });
    // Only once the worker's next chunk waits on the held number does it hold the job row; a
    // cancel sent before that could take the row first and land at once.
    await waitFor('the worker to wait on the held number', async () =>
      (await waitingBackends(apps.t.sql, 'oc-numbers-api')).length >= 1 ? true : undefined,
    );
    const cancel = apps.idle.app.inject({
      method: 'DELETE',
      url: `${JOBS}/${running.jobId}`,
      headers: apps.auth,
    });
    // The apps.busy app's worker waits on the held number; the cancel must wait on the job's row
    // lock behind it before the number is let go (both use the API's pool).
    await waitFor('the cancel to wait for the job row', async () =>
      (await waitingBackends(apps.t.sql, 'oc-numbers-api')).length >= 2 ? true : undefined,
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
    const { body: result } = await submit(apps.busy, await marked(1));
    const res = await apps.idle.app.inject({
      method: 'POST',
      url: `${JOBS}/${result.data.jobId}/cancel`,
      headers: apps.auth,
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
    const { body: mine } = await submit(apps.idle, [uniqueE164()], 'respond-async');
    const document = apps.idle.app.swagger() as unknown as OpenApiDocument;
    expect(idRoutes(document).map((r) => `${r.method} ${r.template}`)).toEqual(
      expect.arrayContaining([
        `GET ${JOBS}/{jobId}`,
        `GET ${JOBS}/{jobId}/items`,
        `POST ${JOBS}/{jobId}/cancel`,
        `DELETE ${JOBS}/{jobId}`,
        'GET /api/v3/oc/numbers/{telephoneNumber}',
      ]),
    );
    const endpoint = await apps.idle.app.inject({
      method: 'POST',
      url: '/api/v3/oc/webhooks',
      headers: apps.auth,
      payload: { url: 'https://93.184.216.34/hooks/oc', events: ['job.failed'] },
    });
    expect(endpoint.statusCode).toBe(201);
    const endpointId = endpoint.json().id as string;
    const tries = [
      {
        as: apps.otherAuth,
        ids: { jobId: mine.jobId, telephoneNumber: number as string, endpointId },
      },
      {
        as: apps.auth,
        ids: {
          jobId: '00000000-0000-4000-8000-000000000000',
          telephoneNumber: uniqueE164(),
          endpointId: '00000000-0000-4000-8000-000000000000',
        },
      },
      {
        as: apps.auth,
        ids: { jobId: 'not-a-uuid', telephoneNumber: 'not-a-number', endpointId: 'not-a-uuid' },
      },
    ];
    const shapes = new Set<string>();
    for (const { as, ids } of tries) {
      for (const [method, url, accept, body] of idRequests(document, ids)) {
        const res = await apps.idle.app.inject({
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
    const theirs = JSON.parse((await get(apps.idle, JOBS, apps.otherAuth)).body);
    expect(theirs.data.map((j: { jobId: string }) => j.jobId)).not.toContain(mine.jobId);
    // Still queued and untouched for its owner.
    expect(JSON.parse((await get(apps.idle, `${JOBS}/${mine.jobId}`)).body).state).toBe('queued');
  });
});
