import { Queue, QueueEvents } from 'bullmq';
import type { Config } from '../config.ts';
import { closeDb, createDb } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { createCredentialAuthenticator } from '../oidc/credentials.ts';
import type { IssuerKeyTimings } from '../oidc/issuer-keys.ts';
import {
  OPERATION_QUEUE,
  type OperationJobData,
  type OperationReturnValue,
  operationJobOptions,
} from '../queue/operation-queue.ts';
import { createRedis } from '../queue/redis.ts';
import { queueTelemetry } from '../telemetry/state.ts';
import type { AppDeps } from './deps.ts';

/** The API process's connections, opened and made ready before the app is built. */
export async function createAppDeps(
  config: Config,
  logger: Logger,
  /** Shorter OIDC key refresh timings (tests); the defaults otherwise. */
  oidcKeyTimings: Partial<IssuerKeyTimings> = {},
): Promise<AppDeps> {
  const db = createDb(config.databaseUrl, {
    poolMax: config.databasePoolMax,
    applicationName: 'oc-numbers-api',
    prepare: config.databasePrepare,
  });
  // Request path: fail fast, so a Redis outage becomes a 503 instead of a hanging request.
  const redis = createRedis(config.redis, 'fail-fast', 'ocn-api');
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis (api) connection error'));
  const queue = new Queue<OperationJobData, OperationReturnValue>(OPERATION_QUEUE, {
    connection: redis,
    prefix: config.queuePrefix,
    // The same retry budget the worker's recovery uses when it re-enqueues a job.
    defaultJobOptions: operationJobOptions(config),
    ...queueTelemetry(),
  });
  queue.on('error', (err) => logger.warn({ err: err.message }, 'queue error'));
  const eventsRedis = createRedis(config.redis, 'bullmq', 'ocn-api-events');
  eventsRedis.on('error', (err) => logger.warn({ err: err.message }, 'redis (events) error'));
  const queueEvents = new QueueEvents(OPERATION_QUEUE, {
    connection: eventsRedis,
    prefix: config.queuePrefix,
  });
  queueEvents.on('error', (err) => logger.warn({ err: err.message }, 'queue events error'));
  await Promise.all([queue.waitUntilReady(), queueEvents.waitUntilReady()]);
  connections.set(queueEvents, eventsRedis);
  return {
    config,
    logger,
    db,
    redis,
    queue,
    queueEvents,
    keys: createCredentialAuthenticator(db, config, oidcKeyTimings),
  };
}

// The connections we created ourselves: BullMQ closes only the ones it made.
const connections = new WeakMap<QueueEvents, ReturnType<typeof createRedis>>();

export async function closeAppDeps(deps: AppDeps): Promise<void> {
  await Promise.allSettled([deps.queueEvents.close(), deps.queue.close()]);
  const eventsRedis = connections.get(deps.queueEvents);
  await Promise.allSettled([eventsRedis?.quit(), deps.redis.quit(), closeDb(deps.db)]);
}
