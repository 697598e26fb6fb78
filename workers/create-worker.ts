import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker } from 'bullmq';
import type { Config } from '../src/config.ts';
import type { Db } from '../src/db/client.ts';
import { readyForRemovalJobOptions } from '../src/jobs/job-options.ts';
import type { JobObserver } from '../src/jobs/observer.ts';
import { recoverOrphanedJobs } from '../src/jobs/recovery.ts';
import type { Logger } from '../src/logger.ts';
import {
  READY_FOR_REMOVAL_QUEUE,
  type ReadyForRemovalJobData,
  type ReadyForRemovalReturnValue,
} from '../src/queue/ready-for-removal-queue.ts';
import { createRedis } from '../src/queue/redis.ts';
import { createProcessor } from './processor.ts';
import { assertNoEviction } from './redis-policy.ts';

export interface WorkerDeps {
  config: Config;
  db: Db;
  logger: Logger;
  observer?: JobObserver;
  /** How often this process reconciles Postgres with BullMQ (default 30 s; 0 = never). */
  recoveryIntervalMs?: number;
  /** Jobs younger than this are not reconciled (default 30 s). */
  recoveryMinAgeMs?: number;
}

export interface ReadyForRemovalWorker {
  worker: Worker<ReadyForRemovalJobData, ReadyForRemovalReturnValue>;
  /**
   * Stops taking jobs and waits for the running ones; past half of `shutdownTimeoutMs` they are
   * asked to stop after their current chunk (and go back to the queue), past the whole of it
   * the worker is closed by force. Closes every connection this worker opened.
   */
  close(): Promise<void>;
}

/**
 * Starts a BullMQ worker for ready-for-removal jobs on its own Redis connection. Refuses a
 * Redis whose maxmemory-policy is not noeviction. Any number of these may run, in any number
 * of processes: Postgres row locks keep every number's effect exactly-once.
 */
export async function createReadyForRemovalWorker(
  deps: WorkerDeps,
): Promise<ReadyForRemovalWorker> {
  const { config, db } = deps;
  const logger = deps.logger.child({ component: 'worker' });
  const connection = createRedis(config.redisUrl, 'bullmq', 'oc-numbers-worker');
  connection.on('error', (err) => logger.warn({ err }, 'redis connection error'));
  try {
    await assertNoEviction(connection);
  } catch (err) {
    connection.disconnect();
    throw err;
  }

  let closing: Promise<void> | undefined;
  const worker = new Worker<ReadyForRemovalJobData, ReadyForRemovalReturnValue>(
    READY_FOR_REMOVAL_QUEUE,
    createProcessor({ ...deps, logger, isClosing: () => closing !== undefined }),
    {
      connection,
      prefix: config.queuePrefix,
      concurrency: config.worker.concurrency,
      limiter: { max: config.worker.limiter.max, duration: config.worker.limiter.durationMs },
      lockDuration: config.worker.lockDurationMs,
      stalledInterval: config.worker.stalledIntervalMs,
      maxStalledCount: config.worker.maxStalledCount,
      // BullMQ waits this long before retrying a job's completion after a Redis connection
      // error (default 15 s); Redis restarts should cost seconds, not a quarter minute.
      runRetryDelay: 1000,
    },
  );
  worker.on('error', (err) => logger.error({ err }, 'worker error'));
  worker.on('stalled', (jobId) => logger.warn({ jobId }, 'job stalled; it will be resumed'));

  // Recovery needs a Queue to look jobs up and re-add them; it shares the connection.
  const queue = new Queue<ReadyForRemovalJobData, ReadyForRemovalReturnValue>(
    READY_FOR_REMOVAL_QUEUE,
    {
      connection,
      prefix: config.queuePrefix,
    },
  );
  const recover = () =>
    recoverOrphanedJobs({
      db: db.db,
      queue,
      jobOptions: readyForRemovalJobOptions(config),
      logger,
      minAgeMs: deps.recoveryMinAgeMs ?? 30_000,
    }).catch((err: unknown) => logger.warn({ err }, 'recovery sweep failed; next one retries'));
  const intervalMs = deps.recoveryIntervalMs ?? 30_000;
  let sweeping: Promise<unknown> = intervalMs > 0 ? recover() : Promise.resolve();
  const timer =
    intervalMs > 0
      ? setInterval(() => {
          sweeping = recover();
        }, intervalMs)
      : undefined;
  timer?.unref();

  await worker.waitUntilReady();
  logger.info(
    { concurrency: config.worker.concurrency, prefix: config.queuePrefix },
    'ready-for-removal worker started',
  );

  const close = async () => {
    clearInterval(timer);
    const timeoutMs = config.shutdownTimeoutMs;
    const soft = setTimeout(() => {
      logger.warn('shutdown: asking running jobs to stop after their current chunk');
      worker.cancelAllJobs('shutdown');
    }, timeoutMs / 2);
    const closed = worker.close().catch((err: unknown) => logger.warn({ err }, 'worker close'));
    let hard: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      hard = setTimeout(() => resolve('deadline'), timeoutMs);
    });
    try {
      if ((await Promise.race([closed, deadline])) === 'deadline') {
        // BullMQ's close(true) is a no-op once a close is under way, and a job may sit in
        // BullMQ's own retry delay: cut the connection so every pending call fails at once.
        // Jobs still running are resumed elsewhere once their locks expire.
        logger.warn('shutdown deadline passed; disconnecting from Redis');
        connection.disconnect();
        await Promise.race([closed, sleep(1000)]);
      }
    } finally {
      clearTimeout(soft);
      clearTimeout(hard);
    }
    await sweeping;
    await queue.close().catch((err: unknown) => logger.warn({ err }, 'queue close'));
    await connection.quit().catch(() => connection.disconnect());
    logger.info('ready-for-removal worker closed');
  };
  return {
    worker,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
