import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READY_FOR_REMOVAL } from '../../src/domain/operations.ts';
import { createJob, EnqueueError } from '../../src/jobs/create.ts';
import type { OperationQueue } from '../../src/queue/operation-queue.ts';
import { testConfig } from '../support/config.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createMarkedNumbers, createTenant } from '../support/factories.ts';
import { assertInvariants } from '../support/invariants.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { startTestWorker } from '../support/test-worker.ts';
import { waitFor } from '../support/wait.ts';
import { createTestQueue, waitForJobState } from '../support/worker-queue.ts';

// The enqueue whose outcome is unknown: the add reached Redis but its reply was lost (here the
// BullMQ add runs for real and then throws, as a lost reply would look to the API).

let t: TestDatabase;
const prefix = uniquePrefix('enqlost');
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await deletePrefix(prefix);
  await t?.drop();
});

/** A queue whose add reaches Redis, then (after `before`) reports a lost reply. */
function lossyQueue(
  queue: OperationQueue,
  before: (jobId: string) => Promise<void>,
): OperationQueue {
  return new Proxy(queue, {
    get(target, property, receiver) {
      if (property !== 'add') return Reflect.get(target, property, receiver);
      return async (...args: Parameters<OperationQueue['add']>) => {
        await target.add(...args);
        await before(String(args[2]?.jobId));
        throw new Error('Connection is closed.');
      };
    },
  });
}

describe('an enqueue whose reply was lost', () => {
  const config = () => testConfig(t.url, prefix, { WORKER_CHUNK_SIZE: '10' });

  it('keeps the job when a worker already started it: no 500, no deleted row with moved numbers', async () => {
    const producer = createTestQueue(config());
    closers.push(() => producer.close());
    const worker = await startTestWorker(config(), t.db);
    closers.push(() => worker.close());
    const tenant = await createTenant(t.db);
    const numbers = await createMarkedNumbers(t.db, tenant, 30);
    const queue = lossyQueue(producer.queue, (jobId) =>
      waitForJobState(t.db, jobId, ['active', 'completed']).then(() => undefined),
    );
    const outcome = await createJob({ db: t.db, queue }, READY_FOR_REMOVAL, {
      operatorId: tenant.operator.id,
      apiKeyId: tenant.apiKey.id,
      telephoneNumbers: numbers,
      traceId: 'a'.repeat(32),
      idempotency: { key: 'lost-reply', requestHash: 'h', ttlMs: 60_000 },
    });
    expect(outcome.kind).toBe('created');
    if (outcome.kind !== 'created') return;
    const done = await waitForJobState(t.db, outcome.job.id, ['completed']);
    expect(done).toMatchObject({ processedCount: 30, successCount: 30 });
    await assertInvariants(t.sql);
    // The next test needs a queue no worker listens on: a live worker would start its job.
    await worker.close();
  });

  it('withdraws a job no worker started: 503 (EnqueueError), no row left, and the queued copy does nothing', async () => {
    const producer = createTestQueue(config());
    closers.push(() => producer.close());
    const tenant = await createTenant(t.db);
    const numbers = await createMarkedNumbers(t.db, tenant, 5);
    let lostJobId = '';
    const queue = lossyQueue(producer.queue, async (jobId) => {
      lostJobId = jobId;
    });
    await expect(
      createJob({ db: t.db, queue }, READY_FOR_REMOVAL, {
        operatorId: tenant.operator.id,
        apiKeyId: tenant.apiKey.id,
        telephoneNumbers: numbers,
        traceId: 'b'.repeat(32),
      }),
    ).rejects.toBeInstanceOf(EnqueueError);
    const [row] = await t.sql`select id from jobs where id = ${lostJobId}`;
    expect(row).toBeUndefined();
    // The copy in Redis reaches a worker, which finds no job and touches nothing.
    const worker = await startTestWorker(config(), t.db);
    closers.push(() => worker.close());
    await waitFor('the orphan BullMQ job to fail', async () =>
      (await producer.queue.getJobState(lostJobId)) === 'failed' ? true : undefined,
    );
    const [moved] = await t.sql<{ n: number }[]>`
      select count(*)::int as n from telephone_numbers
      where operator_id = ${tenant.operator.id} and status <> 'MarkedForRemoval'`;
    expect(moved?.n).toBe(0);
    await assertInvariants(t.sql);
  });
});
