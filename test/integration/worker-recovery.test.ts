import { QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.ts';
import { recoverOrphanedJobs } from '../../src/jobs/recovery.ts';
import { createLogger } from '../../src/logger.ts';
import { OPERATION_QUEUE, operationJobOptions } from '../../src/queue/operation-queue.ts';
import { testConfig } from '../support/config.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createNumbers, createTenant } from '../support/factories.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { REDIS_URL } from '../support/services.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import { startTestWorker } from '../support/test-worker.ts';
import { waitFor } from '../support/wait.ts';
import { insertJob, jobRow, ledgerCounts } from '../support/worker-jobs.ts';
import { createTestQueue, waitForJobState } from '../support/worker-queue.ts';

let t: TestDatabase;
const prefixes: string[] = [];
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await Promise.all(prefixes.map(deletePrefix));
  await t?.drop();
});

function setup(env: Record<string, string> = {}): {
  config: Config;
  producer: ReturnType<typeof createTestQueue>;
  recover: (options?: { batchSize?: number }) => ReturnType<typeof recoverOrphanedJobs>;
} {
  const prefix = uniquePrefix('wrec');
  prefixes.push(prefix);
  const config = testConfig(t.url, prefix, env);
  const producer = createTestQueue(config);
  closers.push(() => producer.close());
  /** One recovery sweep over this queue, for jobs older than a minute. */
  const recover = (options: { batchSize?: number } = {}) =>
    recoverOrphanedJobs({
      db: t.db,
      queue: producer.queue,
      redis: producer.connection,
      jobOptions: operationJobOptions(config),
      logger: createLogger(config),
      minAgeMs: 60_000,
      ...options,
    });
  return { config, producer, recover };
}

async function marked(count: number) {
  const { operator, customer } = await createTenant(t.db);
  const numbers = await createNumbers(t.db, {
    operatorId: operator.id,
    customerId: customer.id,
    status: 'MarkedForRemoval',
    count,
  });
  return { operator, numbers };
}

describe('recovery and permanent failures', () => {
  it('re-enqueues old unfinished jobs BullMQ lost, and fails those BullMQ failed', async () => {
    const { config, producer, recover } = setup();
    const { operator, numbers } = await marked(3);
    const lost = await insertJob(t.db, { operatorId: operator.id, numbers });
    const lostClear = await insertJob(t.db, {
      operatorId: operator.id,
      numbers,
      operation: 'clear-removal-status',
    });
    const fresh = await insertJob(t.db, { operatorId: operator.id, numbers });
    const failedInQueue = await insertJob(t.db, {
      operatorId: operator.id,
      numbers,
      state: 'active',
    });
    await t.db.execute(
      sql`update jobs set created_at = now() - interval '1 hour' where id in (${lost.id}, ${lostClear.id}, ${failedInQueue.id})`,
    );
    // A job BullMQ failed without our processor (as when it stalls more than maxStalledCount).
    const events = new QueueEvents(OPERATION_QUEUE, {
      connection: { url: config.redisUrl },
      prefix: config.queuePrefix,
    });
    await events.waitUntilReady();
    const foreignWorker = new Worker(
      OPERATION_QUEUE,
      async () => {
        throw new UnrecoverableError('job stalled more than allowable limit');
      },
      {
        connection: { url: config.redisUrl, maxRetriesPerRequest: null },
        prefix: config.queuePrefix,
      },
    );
    const failing = await producer.enqueue(failedInQueue);
    await expect(failing.waitUntilFinished(events, 10_000)).rejects.toThrow(/stalled/);
    await foreignWorker.close();
    await events.close();

    // Pages of two: the lost, the lost clear and the failed job are not all on one page.
    const outcome = await recover({ batchSize: 2 });
    expect(outcome.requeued.sort()).toEqual([lost.id, lostClear.id].sort());
    expect(outcome.failed).toEqual([failedInQueue.id]);
    expect(await producer.queue.getJobState(lost.id)).toBe('waiting');
    // Re-enqueued under its own operation: the job name is what the worker runs.
    expect((await producer.queue.getJob(lostClear.id))?.name).toBe('clear-removal-status');
    expect(await producer.queue.getJobState(fresh.id)).toBe('unknown');
    expect(await jobRow(t.db, failedInQueue.id)).toMatchObject({
      state: 'failed',
      error: 'job stalled more than allowable limit',
      result: { status: 'failure', data: { processedCount: 0 } },
    });
    // Running it again changes nothing: the re-added job already exists.
    const again = await recover();
    expect(again).toEqual({ requeued: [], failed: [] });
  });

  it('pages through every unfinished job in one sweep, not only the oldest page', async () => {
    const { producer, recover } = setup();
    const { operator, numbers } = await marked(1);
    const lost = [];
    for (let i = 0; i < 7; i++)
      lost.push(await insertJob(t.db, { operatorId: operator.id, numbers }));
    const ids = lost.map((j) => j.id);
    // Four share one created_at to the microsecond: the page cursor must break ties by id.
    await t.db.execute(
      sql`update jobs set created_at = now() - interval '1 hour' where id in ${sql.raw(`('${ids.slice(0, 4).join("','")}')`)}`,
    );
    await t.db.execute(
      sql`update jobs set created_at = now() - interval '30 minutes' where id in ${sql.raw(`('${ids.slice(4).join("','")}')`)}`,
    );
    const outcome = await recover({ batchSize: 3 });
    // (Jobs the other tests of this file left unfinished are swept up too: one database.)
    expect(outcome.requeued).toEqual(expect.arrayContaining(ids));
    expect(new Set(outcome.requeued).size).toBe(outcome.requeued.length);
    for (const id of ids) expect(await producer.queue.getJobState(id)).toBe('waiting');
  });

  it('checks each page of jobs against BullMQ in one round trip, not one per job', async () => {
    const redis = new URL(REDIS_URL);
    const proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    closers.push(() => proxy.close());
    const { producer, recover } = setup({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    const { operator, numbers } = await marked(1);
    const waiting: string[] = [];
    for (let i = 0; i < 30; i++) {
      const job = await insertJob(t.db, { operatorId: operator.id, numbers });
      await producer.enqueue(job);
      waiting.push(job.id);
    }
    await t.db.execute(
      sql`update jobs set created_at = now() - interval '1 hour' where id in ${sql.raw(`('${waiting.join("','")}')`)}`,
    );
    // (Unfinished jobs of the other tests of this file are swept too: unknown in this queue.)
    const [swept] = await t.sql<{ n: number }[]>`
      select count(*)::int as n from jobs
      where state in ('queued', 'active') and created_at < now() - interval '1 minute'`;
    const pages = Math.ceil((swept?.n ?? 0) / 10);
    expect(pages).toBeGreaterThanOrEqual(3);

    const before = proxy.roundTrips();
    const outcome = await recover({ batchSize: 10 });
    const roundTrips = proxy.roundTrips() - before;
    // Per page one check, plus one add for the page's unknown jobs: never one per job.
    expect(roundTrips).toBeLessThanOrEqual(2 * pages);
    for (const id of waiting) expect(outcome.requeued).not.toContain(id);
    for (const id of waiting) expect(await producer.queue.getJobState(id)).toBe('waiting');
  });

  it('runs again a job BullMQ completed whose final commit Postgres lost', async () => {
    const { config, producer, recover } = setup();
    const { operator, numbers } = await marked(2);
    const lostCommit = await insertJob(t.db, { operatorId: operator.id, numbers, state: 'active' });
    await t.db.execute(
      sql`update jobs set created_at = now() - interval '1 hour' where id = ${lostCommit.id}`,
    );
    // BullMQ has it completed (the worker got its commit acknowledged), Postgres does not.
    const events = new QueueEvents(OPERATION_QUEUE, {
      connection: { url: config.redisUrl },
      prefix: config.queuePrefix,
    });
    await events.waitUntilReady();
    const foreignWorker = new Worker(OPERATION_QUEUE, async () => ({}), {
      connection: { url: config.redisUrl, maxRetriesPerRequest: null },
      prefix: config.queuePrefix,
    });
    const done = await producer.enqueue(lostCommit);
    await done.waitUntilFinished(events, 10_000);
    await foreignWorker.close();
    await events.close();
    expect(await producer.queue.getJobState(lostCommit.id)).toBe('completed');

    const outcome = await recover();
    expect(outcome.requeued).toContain(lostCommit.id);
    expect(await producer.queue.getJobState(lostCommit.id)).toBe('waiting');
  });

  it('marks the jobs row failed with its partial counts once the last attempt fails', async () => {
    const { config, producer } = setup({ WORKER_CHUNK_SIZE: '50', WORKER_ATTEMPTS: '2' });
    const { operator, numbers } = await marked(100);
    const row = await insertJob(t.db, { operatorId: operator.id, numbers });
    // Fault injection in this test's own database: the ledger refuses position 60, for good.
    await t.db.execute(
      sql.raw(`
      create function refuse_position_60() returns trigger language plpgsql as $$
      begin raise exception 'disk on fire'; end $$;
      create trigger refuse_position_60 before insert on job_items for each row
      when (new.position = 60) execute function refuse_position_60();`),
    );
    const worker = await startTestWorker(config, t.db);
    closers.push(() => worker.close());
    await producer.enqueue(row);
    const failed = await waitForJobState(t.db, row.id, ['failed'], 20_000);
    expect(failed).toMatchObject({
      processedCount: 50,
      successCount: 50,
      error: 'disk on fire (P0001)',
      result: {
        data: { requestedCount: 100, processedCount: 50, successCount: 50, failedCount: 0 },
      },
    });
    expect(failed.finishedAt).toBeInstanceOf(Date);
    expect(await ledgerCounts(t.db, row.id)).toMatchObject({ items: 50, succeeded: 50 });
    // The row is written before BullMQ moves the job to failed: read the job once it has.
    const job = await waitFor('BullMQ to fail the job', async () => {
      const current = await producer.queue.getJob(row.id);
      return (await current?.getState()) === 'failed' ? current : undefined;
    });
    expect(job.attemptsMade).toBe(2);
    await t.db.execute(sql`drop trigger refuse_position_60 on job_items`);
  });
});
