import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { REDIS_URL } from './services.ts';

/** A queue/key prefix no other test file uses. */
export function uniquePrefix(label = 't'): string {
  return `ocn-${label}-${randomBytes(4).toString('hex')}`;
}

/**
 * Deletes every key under `prefix` (BullMQ keys are `<prefix>:<queue>:…`) on the Redis at
 * `redisUrl`: a bench run's, or (`deletePrefix`) a test file's.
 */
export async function deletePrefixAt(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/** Deletes every key under a test file's `prefix` on the tests' Redis. */
export const deletePrefix = (prefix: string) => deletePrefixAt(REDIS_URL, prefix);
