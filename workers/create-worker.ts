import { Queue, Worker } from 'bullmq';
import type { Registry } from 'prom-client';
import type { Config } from '../src/config.ts';
import type { Database } from '../src/db/client.ts';
import type { JobObserver } from '../src/jobs/observer.ts';
import type { Logger } from '../src/logger.ts';
import {
  OPERATION_QUEUE,
  type OperationJobData,
  type OperationReturnValue,
} from '../src/queue/operation-queue.ts';
import { createRedis } from '../src/queue/redis.ts';
import { queueTelemetry } from '../src/telemetry/state.ts';
import { startWebhookDelivery } from '../src/webhooks/delivery-worker.ts';
import { startMaintenance } from './maintenance.ts';
import { createProcessor } from './processor.ts';
import { startRecoverySweep } from './recovery-sweep.ts';
import { assertNoEviction } from './redis-policy.ts';
import { closeWorkerWithin } from './shutdown.ts';

export interface WorkerDeps {
  config: Config;
  db: Database;
  logger: Logger;
  observer?: JobObserver;
  /** Where the webhook delivery metrics go (the process's registry); none without it. */
  metricsRegistry?: Registry | undefined;
  /** The waits between webhook attempts: tests only (src/webhooks/events.ts has the real ones). */
  webhookSchedule?: readonly number[];
  /**
   * false: this process hands its ended jobs' messages to the delivery queue but makes no
   * attempts (WORKER_QUEUES=operations; other processes deliver). Default true.
   */
  deliverWebhooks?: boolean;
  /** How often this process reconciles Postgres with BullMQ (default: the config; 0 = never). */
  recoveryIntervalMs?: number;
  /** Jobs younger than this are not reconciled (default: the config). */
  recoveryMinAgeMs?: number;
}

export interface OperationWorker {
  worker: Worker<OperationJobData, OperationReturnValue>;
  /**
   * Stops taking jobs and waits for the running ones; past half of `shutdownTimeoutMs` they are
   * asked to stop after their current chunk (and go back to the queue), past the whole of it
   * the worker is closed by force. Closes every connection this worker opened.
   */
  close(): Promise<void>;
}

/**
 * Starts a BullMQ worker for the operation jobs (one queue for every operation) on its own Redis connection,
 * with the recovery sweep beside it. Refuses a Redis whose maxmemory-policy is not noeviction.
 * Any number of these may run, in any number of processes: Postgres row locks keep every
 * number's effect exactly-once.
 */
export async function createOperationWorker(deps: WorkerDeps): Promise<OperationWorker> {
  const { config, db } = deps;
  const logger = deps.logger.child({ component: 'worker' });
  const connection = createRedis(config.redis, 'bullmq', 'oc-numbers-worker');
  connection.on('error', (err) => logger.warn({ err }, 'redis connection error'));
  try {
    await assertNoEviction(connection);
  } catch (err) {
    connection.disconnect();
    throw err;
  }

  let closing: Promise<void> | undefined;
  const worker = new Worker<OperationJobData, OperationReturnValue>(
    OPERATION_QUEUE,
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
      ...queueTelemetry(),
    },
  );
  worker.on('error', (err) => logger.error({ err }, 'worker error'));
  worker.on('stalled', (jobId) => logger.warn({ jobId }, 'job stalled; it will be resumed'));

  // Recovery needs a Queue to look jobs up and re-add them; it shares the connection.
  const queue = new Queue<OperationJobData, OperationReturnValue>(OPERATION_QUEUE, {
    connection,
    prefix: config.queuePrefix,
    ...queueTelemetry(),
  });
  // Without a listener BullMQ prints connection errors raw to stderr (seen during failovers).
  queue.on('error', (err) => logger.warn({ err: err.message }, 'recovery queue error'));
  const sweep = startRecoverySweep(
    { config, db, queue, redis: connection, logger },
    {
      intervalMs: deps.recoveryIntervalMs ?? config.worker.recoveryIntervalMs,
      minAgeMs: deps.recoveryMinAgeMs ?? config.worker.recoveryMinAgeMs,
    },
  );

  const maintenance = await startMaintenance({
    config,
    sql: db.$client, // retention's statements are postgres.js templates
    connection,
    logger: logger.child({ component: 'maintenance' }),
    isClosing: () => closing !== undefined,
  });
  // The webhook deliveries of this process (src/webhooks/): a job that ended here has its
  // messages handed to the delivery queue at once rather than at the relay's next look.
  const webhooks = await startWebhookDelivery({
    config,
    db,
    logger,
    metricsRegistry: deps.metricsRegistry,
    deliver: deps.deliverWebhooks ?? true,
    ...(deps.webhookSchedule && { schedule: deps.webhookSchedule }),
  });
  worker.on('completed', webhooks.wake);
  worker.on('failed', webhooks.wake);

  await worker.waitUntilReady();
  logger.info(
    { concurrency: config.worker.concurrency, prefix: config.queuePrefix },
    'action worker started',
  );

  const close = async () => {
    const swept = sweep.stop(); // no new sweep from here on
    await closeWorkerWithin(worker, connection, config.shutdownTimeoutMs, logger);
    await swept;
    await maintenance.close().catch((err: unknown) => logger.warn({ err }, 'maintenance close'));
    await webhooks.close();
    await queue.close().catch((err: unknown) => logger.warn({ err }, 'queue close'));
    await connection.quit().catch(() => connection.disconnect());
    logger.info('action worker closed');
  };
  return {
    worker,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
