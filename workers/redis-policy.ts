import type { Redis } from 'ioredis';

export class RedisPolicyError extends Error {
  override name = 'RedisPolicyError';
}

/**
 * BullMQ needs `maxmemory-policy noeviction`: with any other policy Redis may silently drop
 * job keys under memory pressure. INFO works where CONFIG GET is disabled (managed Redis).
 */
export async function assertNoEviction(redis: Redis): Promise<void> {
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
