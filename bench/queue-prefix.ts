import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export function newQueuePrefix(): string {
  return `ocn-bench-${randomBytes(4).toString('hex')}`;
}

/** Removes every BullMQ key of the run (`<prefix>:<queue>:…`). */
export async function deleteQueuePrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
