import type { OperationQueue } from './operation-queue.ts';
import type { RedisClient } from './redis.ts';

/**
 * What the recovery sweep needs to know of a job in BullMQ: finished there (completed or
 * failed), unknown (no job record: never added, removed, or Redis lost its data), or anything
 * else (waiting, delayed, active…), which is left alone.
 */
export type QueueView = 'completed' | 'failed' | 'unknown' | 'elsewhere';

/**
 * BullMQ's view of many jobs in one MULTI: one round trip and one consistent moment for a whole
 * page, where `Queue#getJobState` takes a round trip per job (and scans the wait list for
 * each). `redis` is the queue's connection; the key names are BullMQ's own (`queue.toKey`),
 * so under a Redis Cluster they share the queue's hash-tag slot. "Unknown" is
 * "no job record", which is exactly when adding the job again under its id is not a no-op.
 */
export async function queueViews(
  redis: RedisClient,
  queue: OperationQueue,
  jobIds: readonly string[],
): Promise<QueueView[]> {
  if (jobIds.length === 0) return [];
  const multi = redis
    .multi()
    .zmscore(queue.toKey('completed'), ...jobIds)
    .zmscore(queue.toKey('failed'), ...jobIds);
  for (const id of jobIds) multi.exists(queue.toKey(id));
  const replies = await multi.exec();
  if (!replies) throw new Error('the queue state check was aborted');
  const [completed, failed, ...exists] = replies.map(([err, reply]) => {
    if (err) throw err;
    return reply;
  }) as [(string | null)[], (string | null)[], ...number[]];
  return jobIds.map((_, i) => {
    if (completed[i] != null) return 'completed';
    if (failed[i] != null) return 'failed';
    return exists[i] === 0 ? 'unknown' : 'elsewhere';
  });
}
