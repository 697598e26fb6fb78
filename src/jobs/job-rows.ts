import { eq, sql } from 'drizzle-orm';
import type { Sql } from '../db/client.ts';
import { jobs } from '../db/schema.ts';
import { type Executor, resultFromLedger } from './ledger.ts';
import type { JobResult } from './result.ts';
import { ENDED_JOB_STATES, type JobState } from './states.ts';
import { txSql } from './tx-sql.ts';

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

/**
 * Locks the jobs row and reads what processing needs (not the numbers themselves). Takes the
 * transaction's postgres.js client: a prepared statement, and pipelined with the chunk.
 *
 * It also makes the transaction's commit asynchronous (`synchronous_commit = off`, local to
 * the transaction): an intermediate chunk need not wait for its WAL flush, because if
 * Postgres crashed and lost it, its numbers, ledger rows and counters would be lost together
 * and the job would simply redo them. The transaction that completes a job turns it back on
 * (see `markCompleted`), and its flush also makes every earlier commit durable, WAL being
 * sequential: nothing is reported done before it is durable.
 */
export async function lockJob(sql: Sql, jobId: string): Promise<LockedJob | undefined> {
  const [row] = await sql<LockedJob[]>`
    select id, operator_id as "operatorId", state, requested_count as "requestedCount",
           processed_count as "processedCount", success_count as "successCount",
           trace_id as "traceId", started_at as "startedAt", result,
           set_config('synchronous_commit', 'off', true) as "asyncCommit"
    from jobs where id = ${jobId}::uuid
    for update`;
  if (!row) return undefined;
  const { asyncCommit: _, ...job } = row as LockedJob & { asyncCommit?: string };
  return job;
}

/** The result stored on an ended job; rebuilt from the ledger if an older row lacks one. */
export async function storedResult(tx: Executor, job: LockedJob): Promise<JobResult> {
  if (job.result) return job.result as JobResult;
  return resultFromLedger(tx, job, job.state === 'cancelled');
}

/**
 * Ends the job as completed (all positions recorded) and stores its result, with a durable
 * commit: the result is what callers are told, so it must not be lost.
 */
export async function markCompleted(tx: Executor, job: LockedJob): Promise<JobResult> {
  const [, result] = await Promise.all([
    txSql(tx)`select set_config('synchronous_commit', 'on', true)`,
    resultFromLedger(tx, job, false),
  ]);
  await tx
    .update(jobs)
    .set({ state: 'completed', finishedAt: sql`now()`, result })
    .where(eq(jobs.id, job.id))
    .prepare('complete_job')
    .execute();
  return result;
}

/** Ends the job as failed with what it achieved so far; an already ended job is left alone. */
export async function markFailed(
  tx: Executor,
  jobId: string,
  error: string,
): Promise<{ state: JobState; result: JobResult } | undefined> {
  const [job] = await Promise.all([
    lockJob(txSql(tx), jobId),
    txSql(tx)`select set_config('synchronous_commit', 'on', true)`, // the end state is durable
  ]);
  if (!job) return undefined;
  if (isEnded(job.state)) return { state: job.state, result: await storedResult(tx, job) };
  const result = await resultFromLedger(tx, job, false);
  await tx
    .update(jobs)
    .set({ state: 'failed', finishedAt: sql`now()`, result, error: error.slice(0, 2000) })
    .where(eq(jobs.id, jobId));
  return { state: 'failed', result };
}
