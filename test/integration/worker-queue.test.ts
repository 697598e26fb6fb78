import type { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.ts';
import { OPERATION_NAMES } from '../../src/jobs/operations.ts';
import type { JobProgress } from '../../src/jobs/schemas.ts';
import { actionJobOptions } from '../../src/queue/action-queue.ts';
import type { ActionWorker } from '../../workers/create-worker.ts';
import { testConfig } from '../support/config.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createMarkedJob, createTenant } from '../support/factories.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { startTestWorker } from '../support/test-worker.ts';
import { ledgerCounts, recordedOnce } from '../support/worker-jobs.ts';
import {
  createTestQueue,
  createTestQueueEvents,
  waitForJobState,
} from '../support/worker-queue.ts';

let t: TestDatabase;
let config: Config;
let producer: ReturnType<typeof createTestQueue>;
let running: ActionWorker;
let events: QueueEvents;
const prefix = uniquePrefix('wq');

beforeAll(async () => {
  t = await createTestDatabase();
  config = testConfig(t.url, prefix, { WORKER_CHUNK_SIZE: '50' });
  producer = createTestQueue(config);
  events = await createTestQueueEvents(config);
  running = await startTestWorker(config, t.db);
});
afterAll(async () => {
  await running?.close();
  await events?.close();
  await producer?.close();
  await deletePrefix(prefix);
  await t?.drop();
});

describe('the BullMQ worker', () => {
  it('takes its limiter, concurrency and lock settings from the config', () => {
    expect(running.worker.opts).toMatchObject({
      prefix,
      concurrency: config.worker.concurrency,
      // Three budgets per action endpoint: each endpoint has its own, all feed this queue.
      limiter: {
        max: 3 * config.rateLimit.max * OPERATION_NAMES.length,
        duration: config.rateLimit.windowMs,
      },
      lockDuration: config.worker.lockDurationMs,
      stalledInterval: config.worker.stalledIntervalMs,
      maxStalledCount: config.worker.maxStalledCount,
    });
  });

  it('processes an enqueued job, reports progress through BullMQ and returns the result', async () => {
    const tenant = await createTenant(t.db);
    const { job: row } = await createMarkedJob(t.db, tenant, 200);
    const progress: JobProgress[] = [];
    events.on('progress', ({ jobId, data }) => {
      if (jobId === row.id) progress.push(data as JobProgress);
    });
    const job = await producer.enqueue(row);
    const result = await job.waitUntilFinished(events, 15_000);

    // Redis keeps counts only; the numbers and per-number failures stay in Postgres.
    expect(result).toEqual({
      jobId: row.id,
      status: 'success',
      requestedCount: 200,
      processedCount: 200,
      successCount: 200,
      failedCount: 0,
    });
    const done = await waitForJobState(t.db, row.id, ['completed']);
    const { status, ...counts } = result;
    expect(done.result).toMatchObject({ status, data: { ...counts, failures: [] } });
    const kept = await producer.queue.getJob(row.id);
    expect(JSON.stringify(kept)).not.toMatch(/\+1\d{6,}/);
    // Redis keeps a tail of finished jobs, as docs/operations.md says.
    expect(actionJobOptions(config)).toMatchObject({
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    });
    expect(await ledgerCounts(t.db, row.id)).toEqual(recordedOnce(200, 200));
    const stored = await producer.queue.getJob(row.id);
    expect(stored?.progress).toEqual({
      requestedCount: 200,
      processedCount: 200,
      successCount: 200,
      failedCount: 0,
      percent: 100,
    });
    expect(progress.at(-1)?.percent).toBe(100);
  });

  it('completes a job that was cancelled while queued without touching its numbers', async () => {
    const tenant = await createTenant(t.db);
    const { job: row } = await createMarkedJob(t.db, tenant, 3, { state: 'cancelled' });
    const job = await producer.enqueue(row);
    const result = await job.waitUntilFinished(events, 15_000);
    expect(result).toMatchObject({ status: 'cancelled', processedCount: 0 });
    expect(await ledgerCounts(t.db, row.id)).toMatchObject({ items: 0, history: 0 });
  });

  it('fails a job whose jobs row does not exist, without retrying', async () => {
    const { operator } = await createTenant(t.db);
    const ghost = { id: crypto.randomUUID(), operatorId: operator.id };
    const job = await producer.enqueue(ghost);
    await expect(job.waitUntilFinished(events, 15_000)).rejects.toThrow(/does not exist/);
    const failed = await producer.queue.getJob(ghost.id);
    expect(failed?.attemptsMade).toBe(1);
  });

  it('fails a job of an operation it does not know, without retrying or touching its row', async () => {
    const tenant = await createTenant(t.db);
    const { job: row } = await createMarkedJob(t.db, tenant, 2);
    const job = await producer.queue.add(
      'delete-everything',
      { jobId: row.id, operatorId: row.operatorId },
      { jobId: row.id, attempts: 3 },
    );
    await expect(job.waitUntilFinished(events, 15_000)).rejects.toThrow(/unknown operation/);
    expect((await producer.queue.getJob(row.id))?.attemptsMade).toBe(1);
    expect(await ledgerCounts(t.db, row.id)).toEqual(recordedOnce(0, 0));
  });
});
