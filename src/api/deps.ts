import type { QueueEvents } from 'bullmq';
import type { Registry } from 'prom-client';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { KeyAuthenticator } from '../keys/authenticate.ts';
import type { Logger } from '../logger.ts';
import type { OperationQueue } from '../queue/operation-queue.ts';
import type { RedisClient } from '../queue/redis.ts';

/** Everything the HTTP app needs, built once per process and passed in. */
export interface AppDeps {
  config: Config;
  logger: Logger;
  db: Database;
  /** Fail-fast connection for request-path work (rate limits, health): a down Redis gives 503. */
  redis: RedisClient;
  queue: OperationQueue;
  /** Created once and awaited with waitUntilReady() before use: a QueueEvents not yet ready can miss a fast job's `completed` event. */
  queueEvents: QueueEvents;
  keys: KeyAuthenticator;
  /** Shared with an in-process worker so one /metrics shows both; created by the app if absent. */
  metricsRegistry?: Registry;
}
