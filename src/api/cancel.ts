import type { Queue } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/client.ts';
import { type CancelOutcome, cancelJob } from '../jobs/cancel.ts';
import type {
  ReadyForRemovalJobData,
  ReadyForRemovalReturnValue,
} from '../queue/ready-for-removal-queue.ts';

/**
 * Cancels in Postgres (durable, seen by whichever worker runs the job at its next chunk), then
 * removes the BullMQ job if it is still waiting so no worker picks it up only to find it ended.
 * BullMQ refuses to remove an active (locked) job, which is fine: its worker stops by itself.
 */
export async function cancelAndDequeue(
  deps: {
    db: Database;
    queue: Queue<ReadyForRemovalJobData, ReadyForRemovalReturnValue>;
    logger: FastifyBaseLogger;
  },
  target: { operatorId: string; jobId: string },
): Promise<CancelOutcome> {
  const outcome = await cancelJob(deps.db, target);
  if (outcome.kind === 'cancelled') {
    try {
      await deps.queue.remove(target.jobId);
    } catch (err) {
      deps.logger.warn({ err, jobId: target.jobId }, 'cancelled job not removed from the queue');
    }
  }
  return outcome;
}
