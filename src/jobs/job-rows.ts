import { eq, sql } from 'drizzle-orm';
import { jobs } from '../db/schema.ts';
import { type Executor, resultFromLedger } from './ledger.ts';
import type { JobResult } from './result.ts';
import { ENDED_JOB_STATES, type JobState } from './states.ts';

// The jobs-row side of processing: every function here runs inside a transaction that holds
// the row lock (SELECT … FOR UPDATE), the one lock that serialises deliveries and cancels.

export interface LockedJob {
  id: string;
  operatorId: string;
  state: JobState;
  requestedCount: number;
  processedCount: number;
  successCount: number;
  traceId: string | null;
  startedAt: Date | null;
  result: unknown;
}

export function isEnded(state: JobState): boolean {
  return ENDED_JOB_STATES.includes(state);
}

/** Locks the jobs row and reads what processing needs (not the numbers themselves). */
export async function lockJob(tx: Executor, jobId: string): Promise<LockedJob | undefined> {
  const [row] = await tx
    .select({
      id: jobs.id,
      operatorId: jobs.operatorId,
      state: jobs.state,
      requestedCount: jobs.requestedCount,
      processedCount: jobs.processedCount,
      successCount: jobs.successCount,
      traceId: jobs.traceId,
      startedAt: jobs.startedAt,
      result: jobs.result,
    })
    .from(jobs)
    .where(eq(jobs.id, jobId))
    .for('update');
  return row;
}

/** The result stored on an ended job; rebuilt from the ledger if an older row lacks one. */
export async function storedResult(tx: Executor, job: LockedJob): Promise<JobResult> {
  if (job.result) return job.result as JobResult;
  return resultFromLedger(tx, job, job.state === 'cancelled');
}

export async function markActive(tx: Executor, jobId: string): Promise<Date> {
  const [row] = await tx
    .update(jobs)
    .set({ state: 'active', startedAt: sql`coalesce(${jobs.startedAt}, now())` })
    .where(eq(jobs.id, jobId))
    .returning({ startedAt: jobs.startedAt });
  return row?.startedAt ?? new Date();
}

/** Ends the job as completed (all positions recorded) and stores its result. */
export async function markCompleted(tx: Executor, job: LockedJob): Promise<JobResult> {
  const result = await resultFromLedger(tx, job, false);
  await tx
    .update(jobs)
    .set({ state: 'completed', finishedAt: sql`now()`, result })
    .where(eq(jobs.id, job.id));
  return result;
}

/** Ends the job as failed with what it achieved so far; an already ended job is left alone. */
export async function markFailed(
  tx: Executor,
  jobId: string,
  error: string,
): Promise<{ state: JobState; result: JobResult } | undefined> {
  const job = await lockJob(tx, jobId);
  if (!job) return undefined;
  if (isEnded(job.state)) return { state: job.state, result: await storedResult(tx, job) };
  const result = await resultFromLedger(tx, job, false);
  await tx
    .update(jobs)
    .set({ state: 'failed', finishedAt: sql`now()`, result, error: error.slice(0, 2000) })
    .where(eq(jobs.id, jobId));
  return { state: 'failed', result };
}
