import { Cluster } from 'ioredis';
import type { RedisClient } from '../src/queue/redis.ts';

export class RedisPolicyError extends Error {
  override name = 'RedisPolicyError';
}

/**
 * BullMQ needs `maxmemory-policy noeviction`: with any other policy Redis may silently drop
 * job keys under memory pressure. INFO works where CONFIG GET is disabled (managed Redis).
 */
export async function assertNoEviction(redis: RedisClient): Promise<void> {
  // On a Cluster every primary holds queue keys of some prefix: check them all.
  // (The ping waits for the slots map, which lists the primaries.)
  if (redis instanceof Cluster) await redis.ping();
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of nodes) await assertNodeNoEviction(node);
}

async function assertNodeNoEviction(redis: Pick<RedisClient, 'info'>): Promise<void> {
  const info = await redis.info('memory');
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (policy && policy !== 'noeviction') {
    throw new RedisPolicyError(
      `Redis maxmemory-policy is "${policy}"; the worker needs "noeviction" so queued jobs ` +
        'are never evicted. Set it with: CONFIG SET maxmemory-policy noeviction ' +
        '(and in redis.conf).',
    );
  }
}
