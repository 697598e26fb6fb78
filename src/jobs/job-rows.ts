import { eq, sql } from 'drizzle-orm';
import { type Database, type Executor, type Sql, txSql } from '../db/client.ts';
import { withTransientRetry } from '../db/retry.ts';
import { jobs } from '../db/tables.ts';
import { toDate, toDateOrNull } from '../db/timestamps.ts';
import type { JobState } from '../domain/statuses.ts';
import { isEnded, type JobSummaryRow } from './job-view.ts';
import { resultFromLedger } from './ledger.ts';
import type { JobResult } from './result-schemas.ts';

// The jobs-row side of the job lifecycle. Every change to a job's state runs in a transaction
// that first takes the row lock with `lockJob` (SELECT … FOR UPDATE): the one lock that
// serialises the chunks of every delivery, cancels and failures of a job.

export interface LockedJob extends JobSummaryRow {
  operatorId: string;
  traceId: string | null;
  cancelRequestedAt: Date | null;
}

/**
 * Locks the jobs row and reads what the lifecycle needs (not the numbers themselves). Takes the
 * transaction's postgres.js client: a prepared statement, pipelined with a chunk.
 *
 * `operatorId` scopes the lock to one operator (a foreign job looks missing). `durable: false`
 * makes the transaction's commit asynchronous (`synchronous_commit = off`, local to the
 * transaction): an intermediate chunk need not wait for its WAL flush, because if Postgres
 * crashed and lost it, its numbers, ledger rows and counters would be lost together and the job
 * would simply redo them. Every transaction that ends a job commits durably, and its flush also
 * makes every earlier commit durable, WAL being sequential: nothing is reported done before it
 * is durable.
 *
 * `ahead: true` (a cancel, a failure record) goes before the job's next chunk: see `JOB_QUEUE`.
 */
export async function lockJob(
  sql: Sql,
  jobId: string,
  options: { durable: boolean; operatorId?: string; ahead?: boolean },
): Promise<LockedJob | undefined> {
  const [, [row]] = await Promise.all([
    queueForJob(sql, jobId, options),
    lockJobRow(sql, jobId, options),
  ]);
  if (!row) return undefined;
  const { commitMode: _, createdAt, startedAt, finishedAt, cancelRequestedAt, ...job } = row;
  // Timestamps arrive as text in a postgres.js template (src/db/timestamps.ts).
  return {
    ...job,
    createdAt: toDate(createdAt),
    startedAt: toDateOrNull(startedAt),
    finishedAt: toDateOrNull(finishedAt),
    cancelRequestedAt: toDateOrNull(cancelRequestedAt),
  };
}

/**
 * The queue in front of a job's row lock, an advisory lock per job (this class, the job id's
 * hash). Postgres does not hand a released row lock to its oldest waiter: the worker sends its
 * next chunk the moment the previous one commits, and that chunk often took the jobs row before
 * a cancel that had been waiting for it, chunk after chunk. So every chunk first takes the
 * job's advisory lock shared, and a cancel takes it exclusive: a heavyweight lock queues a
 * newcomer behind a waiting request it conflicts with, so the next chunk waits behind the
 * cancel, and the cancel lands right after the chunk in flight. Deliveries of one job share it
 * and still serialise on the row. (Sent pipelined just before the row lock, in one round trip.)
 */
const JOB_QUEUE = 0x6f636e6a; // "ocnj"

/** The job, if it exists and (with `operatorId`) is that operator's; a foreign job looks missing. */
function theJob(sql: Sql, jobId: string, operatorId: string | undefined) {
  return sql`id = ${jobId}::uuid and (${operatorId ?? null}::uuid is null or operator_id = ${operatorId ?? null}::uuid)`;
}

/**
 * Takes the job's place in `JOB_QUEUE`, only for a job that exists and is the operator's: a
 * foreign or missing job is answered at once, never after another operator's chunk.
 */
function queueForJob(sql: Sql, jobId: string, options: { operatorId?: string; ahead?: boolean }) {
  const lock = options.ahead ? sql`pg_advisory_xact_lock` : sql`pg_advisory_xact_lock_shared`;
  return sql`
    select ${lock}(${JOB_QUEUE}, hashtext(id::text))
    from jobs where ${theJob(sql, jobId, options.operatorId)}`;
}

function lockJobRow(sql: Sql, jobId: string, options: { durable: boolean; operatorId?: string }) {
  // The name opens the text: a traced chunk's span is named after it (telemetry/postgres-spans.ts).
  return sql<(RawTimestamps<LockedJob> & { commitMode?: string })[]>`
    /* ocn: lock job */
    select id, operator_id as "operatorId", operation, state, requested_count as "requestedCount",
           processed_count as "processedCount", success_count as "successCount",
           trace_id as "traceId", created_at as "createdAt", started_at as "startedAt",
           finished_at as "finishedAt", cancel_requested_at as "cancelRequestedAt", result,
           set_config('synchronous_commit', ${options.durable ? 'on' : 'off'}, true) as "commitMode"
    from jobs where ${theJob(sql, jobId, options.operatorId)}
    for update`;
}

type RawTimestamps<T> = {
  [K in keyof T]: T[K] extends Date | null ? string | Extract<T[K], null> : T[K];
};

/** Ends the locked job as completed (all positions recorded) and stores its result. */
export async function markCompleted(tx: Executor, job: LockedJob): Promise<JobResult> {
  const [, result] = await Promise.all([
    // The result is what callers are told, so its commit must be durable.
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

/** Ends the locked job as cancelled with its partial result. */
export async function markCancelled(tx: Executor, job: LockedJob): Promise<LockedJob> {
  const result = await resultFromLedger(tx, job, true);
  const [row] = await tx
    .update(jobs)
    .set({ state: 'cancelled', cancelRequestedAt: sql`now()`, finishedAt: sql`now()`, result })
    .where(eq(jobs.id, job.id))
    .returning({ finishedAt: jobs.finishedAt, cancelRequestedAt: jobs.cancelRequestedAt });
  if (!row) throw new Error(`job ${job.id} vanished while locked`);
  return { ...job, ...row, state: 'cancelled', result };
}

/**
 * Ends a job as failed once BullMQ has no attempt left for it: counts and a result from the
 * ledger, plus the error. An ended job (completed, cancelled, failed) is left as it is.
 * Returns the job's final state, or undefined if the row does not exist.
 */
export async function failJob(
  db: Database,
  jobId: string,
  error: string,
): Promise<{ state: JobState; result: JobResult } | undefined> {
  return withTransientRetry(() =>
    db.transaction(async (tx) => {
      const job = await lockJob(txSql(tx), jobId, { durable: true, ahead: true });
      if (!job) return undefined;
      if (isEnded(job.state)) return { state: job.state, result: job.result as JobResult };
      const result = await resultFromLedger(tx, job, false);
      await tx
        .update(jobs)
        .set({ state: 'failed', finishedAt: sql`now()`, result, error: error.slice(0, 2000) })
        .where(eq(jobs.id, jobId));
      return { state: 'failed' as const, result };
    }),
  );
}
