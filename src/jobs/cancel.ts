import type { Queue } from 'bullmq';
import { type Database, txSql } from '../db/client.ts';
import { withTransientRetry } from '../db/retry.ts';
import { UUID_PATTERN } from '../domain/limits.ts';
import type { Logger } from '../logger.ts';
import { type LockedJob, lockJob, markCancelled } from './job-rows.ts';
import { CANCEL_ATTEMPTS, CANCEL_TIMEOUTS, setLocalTimeouts } from './transaction-timeouts.ts';

export type CancelOutcome =
  | { kind: 'not-found' }
  /** completed or failed: left unchanged (the API answers 409 JOB_FINISHED). */
  | { kind: 'finished'; job: LockedJob }
  /** cancelled now, or already cancelled before (then unchanged). */
  | { kind: 'cancelled'; job: LockedJob };

/**
 * Cancels a queued or running job of `operatorId`, from any process. The worker locks the same
 * jobs row at the start of every chunk, so this lands between two chunks, right after the one in
 * flight (it queues ahead of the next: `lockJob`): the numbers already
 * committed stay done, the rest stay untouched, and the worker stops at its next chunk. The
 * state is durable, so a cancelled job never resumes, whatever happens to its worker.
 * A job of another operator is reported as not found.
 */
export async function cancelJob(
  db: Database,
  target: { operatorId: string; jobId: string },
): Promise<CancelOutcome> {
  if (!UUID_PATTERN.test(target.jobId) || !UUID_PATTERN.test(target.operatorId)) {
    return { kind: 'not-found' };
  }
  return withTransientRetry(
    () =>
      db.transaction(async (tx): Promise<CancelOutcome> => {
        const sql = txSql(tx);
        const [, job] = await Promise.all([
          setLocalTimeouts(sql, CANCEL_TIMEOUTS),
          lockJob(sql, target.jobId, {
            durable: true,
            operatorId: target.operatorId,
            ahead: true,
          }),
        ]);
        if (!job) return { kind: 'not-found' };
        if (job.state === 'completed' || job.state === 'failed') return { kind: 'finished', job };
        if (job.state === 'cancelled') return { kind: 'cancelled', job };
        return { kind: 'cancelled', job: await markCancelled(tx, job) };
      }),
    // A lock timeout (55P03) is retried: a frozen chunk's transaction ends within its idle timeout.
    { attempts: CANCEL_ATTEMPTS },
  );
}

/**
 * Cancels in Postgres (durable, seen by whichever worker runs the job at its next chunk), then
 * removes the BullMQ job if it is still waiting so no worker picks it up only to find it ended.
 * BullMQ refuses to remove an active (locked) job, which is fine: its worker stops by itself.
 */
export async function cancelAndDequeue(
  deps: { db: Database; queue: Queue; logger: Pick<Logger, 'warn'> },
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
