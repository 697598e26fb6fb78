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
// longer ago than that (src/jobs/retention.ts), a small batch per transaction, paced to
// RETENTION_JOBS_PER_SECOND: after a batch of n jobs the next starts n / rate seconds after it
// began. A rate, not a duty cycle: what retention takes from the machine is fixed by the
// setting, whether its batches are fast (a quiet machine) or slow (a busy one); a duty cycle
// took a fifth of a connection whatever the load, and more jobs per second the quieter it was.
// Measured: docs/performance.md, "Retention under the admitted load".

export const MAINTENANCE_QUEUE = 'maintenance';
const SCHEDULER_ID = 'maintenance';
const KEYS_PER_BATCH = 1000;

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
    const due = started + (batch.jobs * 1000) / config.retention.jobsPerSecond;
    await sleep(Math.max(0, due - performance.now()));
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
