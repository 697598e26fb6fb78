import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { withTransientRetry } from '../db/retry.ts';
import { jobs } from '../db/schema.ts';
import { type JobRow, resultFromLedger } from './ledger.ts';

export type CancelOutcome =
  | { kind: 'not-found' }
  /** completed or failed: left unchanged (the API answers 409 JOB_FINISHED). */
  | { kind: 'finished'; job: JobRow }
  /** cancelled now, or already cancelled before (then unchanged). */
  | { kind: 'cancelled'; job: JobRow };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Cancels a queued or running job of `operatorId`, from any process. The worker locks the same
 * jobs row at the start of every chunk, so this lands between two chunks: the numbers already
 * committed stay done, the rest stay untouched, and the worker stops at its next chunk. The
 * state is durable, so a cancelled job never resumes, whatever happens to its worker.
 * A job of another operator is reported as not found.
 */
export async function cancelJob(
  db: Database,
  target: { operatorId: string; jobId: string },
): Promise<CancelOutcome> {
  if (!UUID.test(target.jobId) || !UUID.test(target.operatorId)) return { kind: 'not-found' };
  return withTransientRetry(() =>
    db.transaction(async (tx): Promise<CancelOutcome> => {
      const [row] = await tx
        .select()
        .from(jobs)
        .where(and(eq(jobs.id, target.jobId), eq(jobs.operatorId, target.operatorId)))
        .for('update');
      if (!row) return { kind: 'not-found' };
      if (row.state === 'completed' || row.state === 'failed')
        return { kind: 'finished', job: row };
      if (row.state === 'cancelled') return { kind: 'cancelled', job: row };
      const result = await resultFromLedger(tx, row, true);
      const [cancelled] = await tx
        .update(jobs)
        .set({
          state: 'cancelled',
          cancelRequestedAt: sql`now()`,
          finishedAt: sql`now()`,
          result,
        })
        .where(eq(jobs.id, row.id))
        .returning();
      if (!cancelled) throw new Error(`job ${row.id} vanished while locked`);
      return { kind: 'cancelled', job: cancelled };
    }),
  );
}
