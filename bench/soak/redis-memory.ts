import type { Redis } from 'ioredis';

// Redis memory for the soak: what the run's own keys take (the instance is shared, so its
// total moves with everyone else's work too), and the instance's used_memory beside it.

export interface MemorySample {
  label: string;
  /** MEMORY USAGE summed over every key under the run's prefix, by kind. */
  prefixBytes: PrefixMemory;
  /** INFO memory used_memory of the whole instance. */
  usedMemory: number;
}

/**
 * The run's keys by kind: finished jobs BullMQ keeps (one hash per job, up to the queue's
 * `removeOnComplete` count and age) and the set that indexes them, the event stream (capped
 * by BullMQ), and the rest (waiting and active lists, limiter, rate-limit windows, workers).
 */
export interface PrefixMemory {
  total: number;
  jobs: number;
  completedIndex: number;
  events: number;
  other: number;
  jobsKept: number;
}

const JOB_KEY = /:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(:|$)/;

function kindOf(key: string): 'jobs' | 'completedIndex' | 'events' | 'other' {
  if (JOB_KEY.test(key)) return 'jobs';
  if (key.endsWith(':completed')) return 'completedIndex';
  if (key.endsWith(':events')) return 'events';
  return 'other';
}

export async function prefixMemory(redis: Redis, prefix: string): Promise<PrefixMemory> {
  const out: PrefixMemory = {
    total: 0,
    jobs: 0,
    completedIndex: 0,
    events: 0,
    other: 0,
    jobsKept: 0,
  };
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.memory('USAGE', key);
    const sizes = (await pipeline.exec()) ?? [];
    keys.forEach((key, i) => {
      const [err, size] = sizes[i] ?? [];
      const bytes = err ? 0 : Number(size) || 0;
      const kind = kindOf(key);
      out[kind] += bytes;
      out.total += bytes;
      if (kind === 'jobs' && /-[0-9a-f]{12}$/.test(key)) out.jobsKept++;
    });
    cursor = next;
  } while (cursor !== '0');
  return out;
}

export async function redisUsedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
}
