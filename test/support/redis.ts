import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { REDIS_URL } from './services.ts';

/** A queue/key prefix no other test file uses. */
export function uniquePrefix(label = 't'): string {
  return `ocn-${label}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under `prefix` (BullMQ keys are `<prefix>:<queue>:…`). */
export async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
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
