import { Queue, Worker } from 'bullmq';
import type { Registry } from 'prom-client';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { createRedis } from '../queue/redis.ts';
import { createDeliveryAgent } from './connector.ts';
import { createDeliveryProcessor } from './delivery-job.ts';
import { ATTEMPT_TIMEOUT_MS, RETRY_SCHEDULE_MS } from './events.ts';
import { createWebhookMetrics, NO_WEBHOOK_METRICS } from './metrics.ts';
import { type DeliveryJobData, type DeliveryReturnValue, WEBHOOK_QUEUE } from './queue.ts';
import { startRelay } from './relay.ts';

export interface WebhookDeliveryDeps {
  config: Config;
  db: Database;
  logger: Logger;
  metricsRegistry?: Registry | undefined;
  /** The waits between attempts; only tests pass another (events.ts has the real one). */
  schedule?: readonly number[];
  /**
   * false: only the relay (this process's ended jobs reach the queue at once), no attempts —
   * a worker process that serves the action jobs only (WORKER_QUEUES=operations).
   */
  deliver?: boolean;
}

/**
 * Passes of the relay start at least this far apart, and at least RELAY_BUSY_GAP_MS apart
 * after a pass that found several messages (relay.ts): under a saturated worker that puts
 * several attempts in each delivery job (docs/performance.md, "Webhooks" has what it saved),
 * for at most 150 ms more before a busy outbox's message is handed over.
 */
const RELAY_MIN_GAP_MS = 50;
const RELAY_BUSY_GAP_MS = 200;
/**
 * Statements recording successful attempts start at least this far apart (record.ts): a lone
 * success is recorded at once, a saturated worker's in one statement per 200 ms instead of one
 * per few attempts — at the price of a crash window up to as much longer (a success sent but
 * not yet recorded is sent again, with the same webhook-id: at least once). What a statement
 * costs: docs/performance.md, "Webhooks".
 */
const SUCCESS_RECORD_GAP_MS = 200;

export interface WebhookDelivery {
  /** Undefined in a process that does not deliver. */
  worker: Worker<DeliveryJobData, DeliveryReturnValue> | undefined;
  /** Hand new messages to the queue now (a job just ended in this process). */
  wake(): void;
  close(): Promise<void>;
}

/**
 * The webhook side of a worker process: the relay (outbox → delivery queue) and, unless
 * `deliver` is false, a BullMQ worker on the delivery queue, on their own Redis connection, so
 * webhook traffic never waits behind the action jobs nor they behind it.
 */
export async function startWebhookDelivery(deps: WebhookDeliveryDeps): Promise<WebhookDelivery> {
  const { config } = deps;
  // The webhook statements are postgres.js templates (src/webhooks/record.ts, relay.ts, …).
  const sql = deps.db.$client;
  const logger = deps.logger.child({ component: 'webhooks' });
  const connection = createRedis(config.redis, 'bullmq', 'oc-numbers-webhooks');
  connection.on('error', (err) => logger.warn({ err: err.message }, 'redis (webhooks) error'));
  const queue = new Queue<DeliveryJobData, DeliveryReturnValue>(WEBHOOK_QUEUE, {
    connection,
    prefix: config.queuePrefix,
  });
  queue.on('error', (err) => logger.warn({ err: err.message }, 'webhook queue error'));
  const relay = startRelay(
    { sql, queue, logger },
    // An attempt overdue this long may have been lost with Redis' data: the same age after
    // which the job recovery sweep re-enqueues a job BullMQ does not know.
    {
      intervalMs: config.webhooks.relayIntervalMs,
      lostAfterMs: config.worker.recoveryMinAgeMs,
      minGapMs: RELAY_MIN_GAP_MS,
      busyGapMs: RELAY_BUSY_GAP_MS,
    },
  );
  if (deps.deliver === false) {
    return {
      worker: undefined,
      wake: relay.wake,
      async close() {
        await relay.stop();
        await queue.close().catch(() => {});
        await connection.quit().catch(() => connection.disconnect());
      },
    };
  }
  const agent = createDeliveryAgent({ allowPrivate: config.webhooks.allowPrivateTargets });
  const metrics = deps.metricsRegistry
    ? createWebhookMetrics(deps.metricsRegistry, { sql, logger })
    : NO_WEBHOOK_METRICS;
  const worker = new Worker<DeliveryJobData, DeliveryReturnValue>(
    WEBHOOK_QUEUE,
    createDeliveryProcessor({
      sql,
      agent,
      logger,
      metrics,
      schedule: deps.schedule ?? RETRY_SCHEDULE_MS,
      timeoutMs: ATTEMPT_TIMEOUT_MS,
      perEndpoint: config.webhooks.perEndpoint,
      concurrency: config.webhooks.concurrency,
      onRetryScheduled: relay.wake,
      successRecordGapMs: SUCCESS_RECORD_GAP_MS,
    }),
    {
      connection,
      prefix: config.queuePrefix,
      concurrency: config.webhooks.concurrency,
      // The action worker's lock and stall settings: BullMQ renews the lock while an attempt
      // waits on the network, and a killed worker's attempt is made again as soon as its lock
      // expires (same job, same webhook-id).
      lockDuration: config.worker.lockDurationMs,
      stalledInterval: config.worker.stalledIntervalMs,
      maxStalledCount: config.worker.maxStalledCount,
      runRetryDelay: 1000,
    },
  );
  worker.on('error', (err) => logger.warn({ err }, 'webhook worker error'));
  await worker.waitUntilReady();
  return {
    worker,
    wake: relay.wake,
    async close() {
      await relay.stop();
      // Attempts in flight may finish (at most 15 s); past the deadline the connection is cut,
      // and an attempt cut so is made again once its lock expires, with the same webhook-id.
      const closed = worker
        .close()
        .catch((err: unknown) => logger.warn({ err }, 'webhook worker close'));
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), config.shutdownTimeoutMs);
      });
      if ((await Promise.race([closed, deadline])) === 'deadline') connection.disconnect();
      clearTimeout(timer);
      await queue.close().catch(() => {});
      await agent.close().catch(() => {});
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
