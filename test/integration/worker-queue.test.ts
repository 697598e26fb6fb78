import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_NAMES } from '../../src/domain/operations.ts';
import { cancelJob } from '../../src/jobs/cancel.ts';
import type { JobProgress } from '../../src/jobs/result-schemas.ts';
import { operationJobOptions } from '../../src/queue/operation-queue.ts';
import type { OperationWorker } from '../../workers/create-worker.ts';
import { createMarkedJob, createTenant } from '../support/factories.ts';
import { startTestWorker } from '../support/test-worker.ts';
import { ledgerCounts, recordedOnce } from '../support/worker-jobs.ts';
import { useQueueSuite, waitForJobState } from '../support/worker-queue.ts';

const q = useQueueSuite('wq', { WORKER_CHUNK_SIZE: '50' });
let running: OperationWorker;
beforeAll(async () => {
  running = await startTestWorker(q.config, q.t.db);
});
afterAll(() => running?.close());

describe('the BullMQ worker', () => {
  it('takes its limiter, concurrency and lock settings from the config', () => {
    expect(running.worker.opts).toMatchObject({
      prefix: q.prefix,
      concurrency: q.config.worker.concurrency,
      // Three budgets per operation endpoint: each endpoint has its own, all feed this queue.
      limiter: {
        max: 3 * q.config.rateLimit.max * OPERATION_NAMES.length,
        duration: q.config.rateLimit.windowMs,
      },
      lockDuration: q.config.worker.lockDurationMs,
      stalledInterval: q.config.worker.stalledIntervalMs,
      maxStalledCount: q.config.worker.maxStalledCount,
    });
  });

  it('processes an enqueued job, reports progress through BullMQ and returns the result', async () => {
    const tenant = await createTenant(q.t.db);
    const { job: row } = await createMarkedJob(q.t.db, tenant, 200);
    const progress: JobProgress[] = [];
    q.events.on('progress', ({ jobId, data }) => {
      if (jobId === row.id) progress.push(data as JobProgress);
    });
    const job = await q.producer.enqueue(row);
    const result = await job.waitUntilFinished(q.events, 15_000);

    // Redis keeps counts only; the numbers and per-number failures stay in Postgres.
    expect(result).toEqual({
      jobId: row.id,
      status: 'success',
      requestedCount: 200,
      processedCount: 200,
      successCount: 200,
      failedCount: 0,
    });
    const done = await waitForJobState(q.t.db, row.id, ['completed']);
    const { status, ...counts } = result;
    expect(done.result).toMatchObject({ status, data: { ...counts, failures: [] } });
    const kept = await q.producer.queue.getJob(row.id);
    expect(JSON.stringify(kept)).not.toMatch(/\+1\d{6,}/);
    // Redis keeps a tail of finished jobs, as docs/operations.md says.
    expect(operationJobOptions(q.config)).toMatchObject({
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    });
    expect(await ledgerCounts(q.t.db, row.id)).toEqual(recordedOnce(200, 200));
    const stored = await q.producer.queue.getJob(row.id);
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
    const tenant = await createTenant(q.t.db);
    const { job: row } = await createMarkedJob(q.t.db, tenant, 3);
    // Cancelled the way the API cancels a queued job: the row ends with its (empty) result.
    const cancelled = await cancelJob(q.t.db, { operatorId: tenant.operator.id, jobId: row.id });
    expect(cancelled.kind).not.toBe('not-found');
    const job = await q.producer.enqueue(row);
    const result = await job.waitUntilFinished(q.events, 15_000);
    expect(result).toMatchObject({ status: 'cancelled', processedCount: 0 });
    expect(await ledgerCounts(q.t.db, row.id)).toMatchObject({ items: 0, succeeded: 0 });
  });

  it('fails a job whose jobs row does not exist, without retrying', async () => {
    const { operator } = await createTenant(q.t.db);
    const ghost = { id: crypto.randomUUID(), operatorId: operator.id };
    const job = await q.producer.enqueue(ghost);
    await expect(job.waitUntilFinished(q.events, 15_000)).rejects.toThrow(/does not exist/);
    const failed = await q.producer.queue.getJob(ghost.id);
    expect(failed?.attemptsMade).toBe(1);
  });

  it('fails a job of an operation it does not know, without retrying or touching its row', async () => {
    const tenant = await createTenant(q.t.db);
    const { job: row } = await createMarkedJob(q.t.db, tenant, 2);
    const job = await q.producer.queue.add(
      'delete-everything',
      { jobId: row.id, operatorId: row.operatorId },
      { jobId: row.id, attempts: 3 },
    );
    await expect(job.waitUntilFinished(q.events, 15_000)).rejects.toThrow(/unknown operation/);
    expect((await q.producer.queue.getJob(row.id))?.attemptsMade).toBe(1);
    expect(await ledgerCounts(q.t.db, row.id)).toEqual(recordedOnce(0, 0));
  });
});
