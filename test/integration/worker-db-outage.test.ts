import { afterAll, describe, expect, it } from 'vitest';
import { closeDb, createDb } from '../../src/db/client.ts';
import { testConfig } from '../support/config.ts';
import { useTestDatabase } from '../support/database.ts';
import { createMarkedJob, createTenant } from '../support/factories.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { PG_POOLER_URL } from '../support/services.ts';
import { startTestWorker } from '../support/test-worker.ts';
import { waitFor } from '../support/wait.ts';
import { jobRow, ledgerCounts, recordedOnce } from '../support/worker-jobs.ts';
import { createTestQueue, waitForJobState } from '../support/worker-queue.ts';

// A database that cannot take writes (read-only after a failover to a standby) is an outage,
// not the job's fault: the worker defers the job without spending an attempt, however long it
// lasts, and the job runs once the database takes writes again (docs/reliability.md).

const t = useTestDatabase();
const prefix = uniquePrefix('woutage');
const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await t.sql.unsafe(`alter database ${t.name} reset default_transaction_read_only`);
  await deletePrefix(prefix);
});

const WORKER_APP = 'ocn-outage-worker';

// Staged with ALTER DATABASE, which only new server connections see (none behind a pooler).
describe.skipIf(PG_POOLER_URL)('a read-only database', () => {
  it('defers the job without spending its one attempt, and runs it once writable', async () => {
    // One attempt: without the deferral the first read-only error would end the job failed.
    const config = testConfig(t.url, prefix, { WORKER_ATTEMPTS: '1', WORKER_CHUNK_SIZE: '10' });
    const { job: row } = await createMarkedJob(t.db, await createTenant(t.db), 30);
    const producer = createTestQueue(config);
    closers.push(() => producer.close());
    await producer.enqueue({ id: row.id, operatorId: row.operatorId });

    await t.sql.unsafe(`alter database ${t.name} set default_transaction_read_only = on`);
    const db = createDb(t.url, { poolMax: 2, applicationName: WORKER_APP });
    closers.push(() => closeDb(db));
    const worker = await startTestWorker(config, db);
    closers.push(() => worker.close());

    // Deferred twice (it came back from the first delay and was deferred again), or failed.
    const deferred = await waitFor('the job to be deferred twice, or to fail', async () => {
      const job = await producer.queue.getJob(row.id);
      const state = await job?.getState();
      if (state === 'failed') return { state, attemptsMade: job?.attemptsMade };
      return job && state === 'delayed' && job.attemptsStarted >= 2
        ? { state, attemptsMade: job.attemptsMade }
        : undefined;
    });
    expect(deferred).toEqual({ state: 'delayed', attemptsMade: 0 });
    expect((await jobRow(t.db, row.id)).state).toBe('queued');

    // Writable again; the worker's sessions started read-only, so they are replaced, as a
    // failover or a restart would.
    await t.sql.unsafe(`alter database ${t.name} reset default_transaction_read_only`);
    await t.sql`select pg_terminate_backend(pid) from pg_stat_activity
      where application_name = ${WORKER_APP} and datname = current_database()`;
    const ended = await waitForJobState(t.db, row.id, ['completed', 'failed', 'cancelled']);
    expect(ended).toMatchObject({ state: 'completed', processedCount: 30, successCount: 30 });
    expect(await ledgerCounts(t.db, row.id)).toEqual(recordedOnce(30, 30));
    const done = await waitFor('BullMQ to complete the job', async () => {
      const job = await producer.queue.getJob(row.id);
      return (await job?.getState()) === 'completed' ? job : undefined;
    });
    expect(done.attemptsMade).toBe(1); // its one attempt, spent on the run that succeeded
  });
});
