import type { QueueEvents } from 'bullmq';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.ts';
import { closeDb, createDb } from '../../src/db/client.ts';
import { telephoneNumbers } from '../../src/db/schema.ts';
import { cancelJob } from '../../src/jobs/cancel.ts';
import type { ActionWorker } from '../../workers/create-worker.ts';
import { testConfig } from '../support/config.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { startTestWorker } from '../support/test-worker.ts';
import { waitFor } from '../support/wait.ts';
import { createHeldJob, waitingBackends } from '../support/worker-blocker.ts';
import { jobRow, ledgerCounts, recordedOnce } from '../support/worker-jobs.ts';
import { createTestQueue, createTestQueueEvents } from '../support/worker-queue.ts';

let t: TestDatabase;
let config: Config;
let producer: ReturnType<typeof createTestQueue>;
let events: QueueEvents;
let running: ActionWorker;
const prefix = uniquePrefix('cancel');

beforeAll(async () => {
  t = await createTestDatabase();
  config = testConfig(t.url, prefix, { WORKER_CHUNK_SIZE: '50' });
  producer = createTestQueue(config);
  events = await createTestQueueEvents(config);
  // The worker has its own pool, as it would in its own process; the cancel below comes
  // through another client, as it would from an API instance.
  const workerDb = createDb(t.url, { poolMax: 4, applicationName: 'ocn-cancel-worker' });
  const worker = await startTestWorker(config, workerDb);
  running = {
    ...worker,
    close: async () => {
      await worker.close();
      await closeDb(workerDb);
    },
  };
});
afterAll(async () => {
  await running?.close();
  await events?.close();
  await producer?.close();
  await deletePrefix(prefix);
  await t?.drop();
});

describe('cancelling a running job from another client', () => {
  it('lands after the chunk in flight: committed numbers stay done, the rest untouched', async () => {
    const { tenant, job: row, numbers, blocker } = await createHeldJob(t, 500, 120);
    const job = await producer.enqueue(row);
    const finished = job.waitUntilFinished(events, 20_000);
    await waitFor('the worker to be inside the chunk 100..149', async () =>
      (await waitingBackends(t.sql, 'ocn-cancel-worker')).length > 0 ? true : undefined,
    );

    // The cancel waits for the jobs row the chunk holds, then lands right after it.
    const cancelling = cancelJob(t.db, { operatorId: tenant.operator.id, jobId: row.id });
    await waitFor('the cancel to wait for the jobs row', async () =>
      (await waitingBackends(t.sql, 'oc-numbers-test')).length > 0 ? true : undefined,
    );
    await blocker.release();
    const cancelled = await cancelling;
    expect(cancelled.kind).toBe('cancelled');

    const result = await finished;
    expect(result).toEqual({
      jobId: row.id,
      status: 'cancelled',
      requestedCount: 500,
      processedCount: 150,
      successCount: 150,
      failedCount: 0,
    });
    const stored = await jobRow(t.db, row.id);
    expect(stored).toMatchObject({ state: 'cancelled', processedCount: 150, successCount: 150 });
    const { status, ...counts } = result;
    expect(stored.result).toMatchObject({ status, succeeded: false, data: counts });
    expect(stored.cancelRequestedAt).toBeInstanceOf(Date);
    expect(await ledgerCounts(t.db, row.id)).toEqual(recordedOnce(150, 150));
    const rest = await t.db
      .select({
        status: telephoneNumbers.status,
        confirmed: telephoneNumbers.confirmedForRemovalAt,
      })
      .from(telephoneNumbers)
      .where(inArray(telephoneNumbers.e164, numbers.slice(150)));
    expect(rest).toHaveLength(350);
    expect(rest.every((n) => n.status === 'MarkedForRemoval' && n.confirmed === null)).toBe(true);

    // A cancelled job never resumes, even if delivered again.
    await job.remove();
    const again = await producer.enqueue(row);
    expect(await again.waitUntilFinished(events, 20_000)).toEqual(result);
    expect((await ledgerCounts(t.db, row.id)).items).toBe(150);
  });
});
