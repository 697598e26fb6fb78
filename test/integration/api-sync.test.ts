import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { jobs, telephoneNumbers } from '../../src/db/tables.ts';
import { useApiSuite } from '../support/app.ts';
import { createMarkedNumbers, createTenant, uniqueE164 } from '../support/factories.ts';
import { createMixedNumbers } from '../support/mixed-numbers.ts';
import { waitFor } from '../support/wait.ts';
import { lockNumbers } from '../support/worker-blocker.ts';

// Waiting, async answers and result bodies (docs/api.md) end to end: the real API and a real
// worker on one database and prefix. A client that disconnects: api-disconnect.test.ts.

const URL = '/api/v3/oc/numbers/action/ready-for-removal';
// Chunks of one number make every number its own transaction, so a test can stop a job
// between two numbers by holding a lock on one of them.
const suite = useApiSuite('api-sync', { WORKER_CHUNK_SIZE: '1', SYNC_WAIT_MS: '10000' });
const { marked } = suite;

const submit = (telephoneNumbers: string[], headers: Record<string, string> = {}) =>
  suite.post(URL, { telephoneNumbers }, headers);

describe('synchronous answers (the default, and the result body)', () => {
  it('200 success when every number moved', async () => {
    const numbers = await marked(3);
    const res = await submit(numbers);
    expect(res.statusCode).toBe(200);
    expect(res.headers.ratelimit).toMatch(/^"global";r=\d+;t=\d+, "operator";r=\d+;t=\d+$/);
    const body = JSON.parse(res.body);
    expect(body).toEqual({
      data: {
        jobId: expect.any(String),
        requestedCount: 3,
        processedCount: 3,
        successCount: 3,
        failedCount: 0,
        failures: [],
      },
      status: 'success',
      succeeded: true,
      message: 'Numbers successfully transitioned to ReadyForRemoval status',
    });
    const rows = await suite.t.db
      .select({ status: telephoneNumbers.status, assignable: telephoneNumbers.assignable })
      .from(telephoneNumbers)
      .where(inArray(telephoneNumbers.e164, numbers));
    expect(rows).toEqual(Array(3).fill({ status: 'ReadyForRemoval', assignable: false }));
  });

  it('200 partialSuccess with every failure, in request order', async () => {
    const mixed = await createMixedNumbers(suite.t.db, suite.tenant, {
      marked: 1,
      active: 1,
      notOperatorConnect: 1,
      unknown: 1,
    });
    const [ok, active, plain, unknown] = [
      mixed.marked[0],
      mixed.active[0],
      mixed.notOperatorConnect[0],
      mixed.unknown[0],
    ];
    const [foreign] = await createMarkedNumbers(suite.t.db, await createTenant(suite.t.db), 1);
    const res = await submit([
      unknown as string,
      ok as string,
      active as string,
      plain as string,
      foreign as string,
    ]);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      data: {
        jobId: expect.any(String),
        requestedCount: 5,
        processedCount: 5,
        successCount: 1,
        failedCount: 4,
        failures: [
          {
            telephoneNumber: unknown,
            errorCode: 'NUMBER_NOT_FOUND',
            detail: 'The telephone number does not exist in this inventory',
          },
          {
            telephoneNumber: active,
            errorCode: 'INVALID_STATUS',
            currentStatus: 'Active',
            detail:
              'The telephone number is in Active status; only MarkedForRemoval numbers can be transitioned to ReadyForRemoval',
          },
          {
            telephoneNumber: plain,
            errorCode: 'NOT_OPERATOR_CONNECT_CUSTOMER',
            detail: 'The telephone number is not associated with an Operator Connect customer',
          },
          {
            telephoneNumber: foreign,
            errorCode: 'NUMBER_NOT_FOUND',
            detail: 'The telephone number does not exist in this inventory',
          },
        ],
      },
      status: 'partialSuccess',
      succeeded: false,
      message: '1 of 5 numbers transitioned to ReadyForRemoval status',
    });
  });

  it('200 failure when no number moved', async () => {
    const numbers = await marked(2);
    await submit(numbers);
    const res = await submit(numbers);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      data: { requestedCount: 2, processedCount: 2, successCount: 0, failedCount: 2 },
      status: 'failure',
      succeeded: false,
      message: '0 of 2 numbers transitioned to ReadyForRemoval status',
    });
  });
});

describe('asynchronous answers', () => {
  it('Prefer: respond-async → 202 with the job, Location, Retry-After, Preference-Applied; the job ends', async () => {
    const numbers = await marked(2);
    const res = await submit(numbers, { prefer: 'respond-async' });
    expect(res.statusCode).toBe(202);
    const job = JSON.parse(res.body);
    expect(res.headers.location).toBe(`/api/v3/oc/numbers/jobs/${job.jobId}`);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['preference-applied']).toBe('respond-async');
    expect(job).toMatchObject({
      operation: 'ready-for-removal',
      state: 'queued',
      startedAt: null,
      finishedAt: null,
      progress: {
        requestedCount: 2,
        processedCount: 0,
        successCount: 0,
        failedCount: 0,
        percent: 0,
      },
    });
    expect(job.result).toBeUndefined();
    const ended = await waitFor('the job to end (polled through its Location)', async () => {
      const poll = await suite.api.app.inject({
        method: 'GET',
        url: res.headers.location as string,
        headers: suite.auth,
      });
      const body = JSON.parse(poll.body);
      if (body.state === 'queued' || body.state === 'active') {
        expect(poll.headers['retry-after']).toBe('1');
        return undefined;
      }
      expect(poll.headers['retry-after']).toBeUndefined();
      return body;
    });
    expect(ended).toMatchObject({
      state: 'completed',
      progress: {
        requestedCount: 2,
        processedCount: 2,
        successCount: 2,
        failedCount: 0,
        percent: 100,
      },
      result: { status: 'success', succeeded: true, data: { jobId: job.jobId, processedCount: 2 } },
    });
  });

  it('past the wait bound → 202 with the running job, which goes on and is polled to its end', async () => {
    const numbers = await marked(3);
    const release = await lockNumbers(suite.t.sql, [numbers[1] as string]);
    const res = await submit(numbers, { prefer: 'wait=1' });
    expect(res.statusCode).toBe(202);
    expect(res.headers['preference-applied']).toBe('wait=1');
    const job = JSON.parse(res.body);
    expect(job.state).toBe('active');
    expect(job.progress).toMatchObject({ requestedCount: 3, processedCount: 1, percent: 33 });
    await release();
    const row = await waitFor('the job to complete', async () => {
      const [r] = await suite.t.db.select().from(jobs).where(eq(jobs.id, job.jobId));
      return r?.state === 'completed' ? r : undefined;
    });
    expect(row.successCount).toBe(3);
  });

  it('on shutdown, waiting requests answer 202 with their job at once; the job stays queued', async () => {
    const other = await suite.app('api-sync-quiet'); // no worker on this queue
    const started = Date.now();
    const pending = other.app.inject({
      method: 'POST',
      url: URL,
      headers: suite.auth,
      payload: { telephoneNumbers: [uniqueE164()] },
    });
    await waitFor('a queued job', async () => {
      const [r] = await suite.t.db
        .select({ id: jobs.id })
        .from(jobs)
        .where(and(eq(jobs.operatorId, suite.tenant.operator.id), eq(jobs.state, 'queued')));
      return r;
    });
    await other.close();
    const res = await pending;
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(res.body).state).toBe('queued');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
