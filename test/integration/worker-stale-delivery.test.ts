import { randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { closeDb, createDb, type Database } from '../../src/db/client.ts';
import { errorCode } from '../../src/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { OPERATION_QUEUE } from '../../src/queue/operation-queue.ts';
import { createRedis } from '../../src/queue/redis.ts';
import { createProcessor } from '../../workers/processor.ts';
import { testConfig } from '../support/config.ts';
import { useTestDatabase } from '../support/database.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { startTestWorker } from '../support/test-worker.ts';
import { waitFor } from '../support/wait.ts';
import { createHeldJob, waitingBackends } from '../support/worker-blocker.ts';
import { jobRow, ledgerCounts, recordedOnce } from '../support/worker-jobs.ts';
import { createTestQueue, waitForJobState } from '../support/worker-queue.ts';

// A stale delivery: a worker that lost its job's BullMQ lock (it froze, the lock expired, the
// stalled check handed the job to another worker) still runs the job and meets a permanent
// error on its last attempt. It must not end the job failed under the worker that now runs it
// (workers/processor.ts checks the lock with extendLock first; docs/reliability.md).

const t = useTestDatabase();
const prefix = uniquePrefix('wstale');
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await deletePrefix(prefix);
});

const STALE_APP = 'ocn-stale-delivery';
const HOLDER_APP = 'ocn-new-holder';

function pool(applicationName: string): Database {
  const db = createDb(t.url, { poolMax: 2, applicationName });
  closers.push(() => closeDb(db));
  return db;
}

describe('a stale delivery on its last attempt', () => {
  it('does not fail the job another worker now runs', async () => {
    // One attempt: the stale delivery's error is on its last attempt. Short locks: the stale
    // worker's lock expires within a second and the other worker takes the job over.
    const config = testConfig(t.url, prefix, {
      WORKER_ATTEMPTS: '1',
      WORKER_LOCK_DURATION_MS: '1000',
      WORKER_STALLED_INTERVAL_MS: '1000',
      WORKER_CHUNK_SIZE: '10',
    });
    // Fault injection in this file's own database: only the stale worker's connections fail
    // to record a number, with a permanent error (22023), as a poison job would.
    await t.sql.unsafe(`
      create function stale_delivery_fails() returns trigger language plpgsql as $$
      begin
        if current_setting('application_name') = '${STALE_APP}' then
          raise exception 'stale delivery' using errcode = '22023';
        end if;
        return new;
      end $$;
      create trigger stale_delivery_fails before insert on job_items
      for each row execute function stale_delivery_fails();`);
    const { job: row, blocker } = await createHeldJob(t, 100, 50);
    closers.push(() => blocker.release().catch(() => {}));
    const producer = createTestQueue(config);
    closers.push(() => producer.close());
    await producer.enqueue({ id: row.id, operatorId: row.operatorId });

    // The stale worker takes the job and then stops renewing its lock (a manual fetch: no lock
    // renewal), as a frozen process would.
    const staleConnection = createRedis(config.redisUrl, 'bullmq', 'ocn-stale-worker');
    const stale = new Worker(OPERATION_QUEUE, null, {
      connection: staleConnection,
      prefix,
      lockDuration: config.worker.lockDurationMs,
    });
    closers.push(async () => {
      await stale.close();
      staleConnection.disconnect();
    });
    const token = randomUUID();
    const delivery = await stale.getNextJob(token);
    expect(delivery?.id).toBe(row.id);

    // The other worker's stalled check takes the job over; it runs until the held number.
    const holder = await startTestWorker(config, pool(HOLDER_APP));
    closers.push(() => holder.close());
    await waitFor('the new holder to wait inside the job at 50', async () => {
      const waiting = await waitingBackends(t.sql, HOLDER_APP);
      return waiting.length > 0 && (await jobRow(t.db, row.id)).processedCount === 50
        ? true
        : undefined;
    });

    // The stale delivery wakes up and runs the job: its chunk waits for the holder's, then
    // fails for good.
    const processor = createProcessor({
      config,
      db: pool(STALE_APP),
      logger: createLogger(config),
    });
    const staleRun = processor(delivery as NonNullable<typeof delivery>, token, undefined).then(
      () => undefined,
      (err: unknown) => err,
    );
    await waitFor('the stale delivery to wait for the job row', async () =>
      (await waitingBackends(t.sql, STALE_APP)).length > 0 ? true : undefined,
    );
    await blocker.release();
    expect(errorCode(await staleRun)).toBe('22023');

    const ended = await waitForJobState(t.db, row.id, ['completed', 'failed', 'cancelled']);
    expect(ended).toMatchObject({ state: 'completed', processedCount: 100, successCount: 100 });
    expect(ended.error).toBeNull();
    expect(await ledgerCounts(t.db, row.id)).toEqual(recordedOnce(100, 100));
    await waitFor('BullMQ to complete the job', async () =>
      (await producer.queue.getJobState(row.id)) === 'completed' ? true : undefined,
    );
  });
});
