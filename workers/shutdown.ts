import { setTimeout as sleep } from 'node:timers/promises';
import type { Worker } from 'bullmq';
import type { Logger } from '../src/logger.ts';
import type { RedisClient } from '../src/queue/redis.ts';

/**
 * Closes a worker in three stages within `timeoutMs`: stop taking jobs and wait for the running
 * ones; past half the time, ask them to stop after their current chunk (they go back to the
 * queue); past the whole of it, cut the Redis connection so every pending call fails at once.
 */
export async function closeWorkerWithin(
  worker: Worker,
  connection: RedisClient,
  timeoutMs: number,
  logger: Logger,
): Promise<void> {
  const soft = setTimeout(() => {
    logger.warn('shutdown: asking running jobs to stop after their current chunk');
    worker.cancelAllJobs('shutdown');
  }, timeoutMs / 2);
  const closed = worker.close().catch((err: unknown) => logger.warn({ err }, 'worker close'));
  let hard: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    hard = setTimeout(() => resolve('deadline'), timeoutMs);
  });
  try {
    if ((await Promise.race([closed, deadline])) === 'deadline') {
      // BullMQ's close(true) is a no-op once a close is under way, and a job may sit in
      // BullMQ's own retry delay: cut the connection so every pending call fails at once.
      // Jobs still running are resumed elsewhere once their locks expire.
      logger.warn('shutdown deadline passed; disconnecting from Redis');
      connection.disconnect();
      await Promise.race([closed, sleep(1000)]);
    }
  } finally {
    clearTimeout(soft);
    clearTimeout(hard);
  }
}
