import { Redis, type RedisOptions } from 'ioredis';

/**
 * BullMQ's blocking and worker connections need `maxRetriesPerRequest: null` (they wait out
 * Redis restarts); request-path connections fail fast so the API can answer 503 instead.
 */
export function createRedis(url: string, kind: 'bullmq' | 'fail-fast', name?: string): Redis {
  const options: RedisOptions =
    kind === 'bullmq'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, connectTimeout: 2000, enableOfflineQueue: false };
  if (name) options.connectionName = name;
  return new Redis(url, options);
}
