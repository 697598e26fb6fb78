import { Redis, type RedisOptions } from 'ioredis';

/** A request-path command unanswered this long fails (a silent Redis: packets dropped, no reset). */
export const REQUEST_PATH_COMMAND_TIMEOUT_MS = 1000;

/**
 * BullMQ's blocking and worker connections need `maxRetriesPerRequest: null` (they wait out
 * Redis restarts); request-path connections fail fast so the API can answer 503 instead, also
 * when Redis goes silent without closing the connection (`commandTimeout`).
 */
export function createRedis(url: string, kind: 'bullmq' | 'fail-fast', name?: string): Redis {
  const options: RedisOptions =
    kind === 'bullmq'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : {
          maxRetriesPerRequest: 1,
          connectTimeout: 2000,
          enableOfflineQueue: false,
          commandTimeout: REQUEST_PATH_COMMAND_TIMEOUT_MS,
        };
  if (name) options.connectionName = name;
  return new Redis(url, options);
}
