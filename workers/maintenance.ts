import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker } from 'bullmq';
import type { Config } from '../src/config.ts';
import type { Sql } from '../src/db/client.ts';
import { deleteEndedJobs, purgeIdempotencyKeys } from '../src/jobs/retention.ts';
import type { Logger } from '../src/logger.ts';
import type { RedisClient } from '../src/queue/redis.ts';

// The maintenance task: every MAINTENANCE_INTERVAL_MS a BullMQ job scheduler puts one
// `maintenance` job on its own queue; every worker process upserts the same scheduler and
// listens, and BullMQ hands each job to one of them, so the task runs on one worker at a time.
// It purges expired Idempotency-Key records and, with JOB_RETENTION_DAYS set, jobs that ended
// longer ago than that (src/jobs/retention.ts), a small batch per transaction with a pause of
// PAUSE_FACTOR times the batch's time after each: at most a fifth of one connection's time.
// Measured (docs/performance.md, "Retention"): batches of 20 jobs with an equal pause put
// +33–166 % on the admitted load's p99; the smaller, sparser batches still delete ended jobs
// several times faster than the whole admitted budget can create them.

export const MAINTENANCE_QUEUE = 'maintenance';
const SCHEDULER_ID = 'maintenance';
const KEYS_PER_BATCH = 1000;
const PAUSE_FACTOR = 4;

export interface MaintenanceDeps {
  config: Config;
  sql: Sql;
  connection: RedisClient;
  logger: Logger;
  /** Stops a run between two batches (the process is shutting down). */
  isClosing: () => boolean;
}

export async function runMaintenance(deps: Omit<MaintenanceDeps, 'connection'>) {
  const { config, sql } = deps;
  const keys = await purgeIdempotencyKeys(sql, config.idempotencyTtlMs, KEYS_PER_BATCH);
  const totals = { keys, jobs: 0, items: 0, historyKept: 0 };
  const days = config.retention.jobRetentionDays;
  while (days > 0 && !deps.isClosing()) {
    const started = performance.now();
    const batch = await deleteEndedJobs(sql, days, config.retention.batchJobs);
    totals.jobs += batch.jobs;
    totals.items += batch.items;
    totals.historyKept += batch.historyKept;
    if (batch.jobs < config.retention.batchJobs) break;
    await sleep(PAUSE_FACTOR * (performance.now() - started));
  }
  return totals;
}

export async function startMaintenance(deps: MaintenanceDeps) {
  const { config, connection, logger } = deps;
  const queue = new Queue(MAINTENANCE_QUEUE, { connection, prefix: config.queuePrefix });
  queue.on('error', (err) => logger.warn({ err: err.message }, 'maintenance queue error'));
  await queue.upsertJobScheduler(
    SCHEDULER_ID,
    { every: config.retention.maintenanceIntervalMs },
    { name: 'maintenance', opts: { removeOnComplete: 10, removeOnFail: 10 } },
  );
  const worker = new Worker(
    MAINTENANCE_QUEUE,
    async () => {
      const totals = await runMaintenance(deps);
      logger.info(totals, 'maintenance done');
      return totals;
    },
    { connection, prefix: config.queuePrefix, concurrency: 1 },
  );
  worker.on('error', (err) => logger.warn({ err }, 'maintenance worker error'));
  return {
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
