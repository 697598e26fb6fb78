import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { RedisTarget } from './redis-target.ts';

/** A standalone or Sentinel-managed connection, or a Cluster client: BullMQ takes all three. */
export type RedisClient = Redis | Cluster;

export type ConnectionKind = 'bullmq' | 'fail-fast';

/** A request-path command unanswered this long fails (a silent Redis: packets dropped, no reset). */
export const REQUEST_PATH_COMMAND_TIMEOUT_MS = 1000;

/**
 * BullMQ's blocking and worker connections need `maxRetriesPerRequest: null` (they wait out
 * Redis restarts and failovers); request-path connections fail fast so the API can answer 503
 * instead, also when Redis goes silent without closing the connection (`commandTimeout`).
 */
function kindOptions(kind: ConnectionKind): RedisOptions {
  return kind === 'bullmq'
    ? { maxRetriesPerRequest: null, enableReadyCheck: true }
    : {
        maxRetriesPerRequest: 1,
        connectTimeout: 2000,
        enableOfflineQueue: false,
        commandTimeout: REQUEST_PATH_COMMAND_TIMEOUT_MS,
      };
}

/** User, password, TLS and database number of REDIS_URL, for Sentinel and Cluster nodes. */
function urlOptions(url: string): RedisOptions {
  const parsed = new URL(url);
  const options: RedisOptions = {};
  if (parsed.username) options.username = decodeURIComponent(parsed.username);
  if (parsed.password) options.password = decodeURIComponent(parsed.password);
  if (parsed.protocol === 'rediss:') options.tls = {};
  const db = Number(parsed.pathname.slice(1));
  if (Number.isInteger(db) && db > 0) options.db = db;
  return options;
}

export function createRedis(url: string, kind: ConnectionKind, name?: string): Redis;
export function createRedis(target: RedisTarget, kind: ConnectionKind, name?: string): RedisClient;
/** The one place a Redis connection is made: a URL, or the configured topology. */
export function createRedis(
  target: string | RedisTarget,
  kind: ConnectionKind,
  name?: string,
): RedisClient {
  const options = kindOptions(kind);
  if (name) options.connectionName = name;
  if (typeof target === 'string') return new Redis(target, options);
  switch (target.mode) {
    case 'standalone':
      return new Redis(target.url, options);
    case 'sentinel':
      // ioredis asks the sentinels where the primary is on every (re)connect, so after a
      // failover it reconnects to the promoted replica; the failover detector subscribes to
      // the sentinels' +switch-master so it does not wait for the old connection to break.
      return new Redis({
        ...urlOptions(target.url),
        ...options,
        sentinels: target.sentinels,
        name: target.name,
        failoverDetector: true,
      });
    case 'cluster': {
      const { enableOfflineQueue, ...redisOptions } = options;
      const clusterOptions: ClusterOptions = {
        redisOptions: { ...urlOptions(target.url), ...redisOptions },
        // After a primary dies its slots answer CLUSTERDOWN until a replica is promoted;
        // keep retrying (briefly for the fail-fast kind, whose offline queue is off).
        retryDelayOnClusterDown: 200,
        retryDelayOnFailover: 200,
        slotsRefreshTimeout: 2000,
        ...(enableOfflineQueue === false && { enableOfflineQueue: false }),
      };
      return new Cluster(target.nodes, clusterOptions);
    }
  }
}
