import { type Database, txSql } from '../db/client.ts';
import { withTransientRetry } from '../db/retry.ts';
import type { Operation } from '../domain/operations.ts';
import type { JobState } from '../domain/statuses.ts';
import { errorChain, errorCode } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { type LockedJob, lockJob, markCompleted } from './job-rows.ts';
import { isEnded, progressOf } from './job-view.ts';
import type { JobProgress, JobResult } from './result-schemas.ts';
import { CHUNK_TIMEOUTS, setLocalTimeouts } from './transaction-timeouts.ts';
import { type ChunkOutcome, transitionChunk } from './transition.ts';

/** The jobs row does not exist (never created, or rolled back by the API): nothing to do. */
export class JobNotFoundError extends Error {
  override name = 'JobNotFoundError';
}

/** The caller's signal stopped the run between two chunks; every committed chunk stays done. */
export class JobInterruptedError extends Error {
  override name = 'JobInterruptedError';
}

export type ChunkStep =
  | { kind: 'progressed'; job: LockedJob; progress: JobProgress; chunk: ChunkOutcome }
  | {
      kind: 'completed';
      job: LockedJob;
      progress: JobProgress;
      chunk: ChunkOutcome;
      result: JobResult;
    }
  /** Ended before this chunk (cancelled, or finished by another delivery). */
  | { kind: 'ended'; job: LockedJob; state: JobState; result: JobResult };

/** A unique violation of the ledger's key (job_id, position), wherever Drizzle wrapped it. */
function isLedgerConflict(err: unknown): boolean {
  const violation = errorChain(err).find((e) => (e as { code?: unknown }).code === '23505');
  return (
    (violation as { constraint_name?: unknown } | undefined)?.constraint_name === 'job_items_pk'
  );
}

/**
 * Runs a transaction again after transient errors (deadlock, serialization, dropped
 * connection). Also after a ledger conflict: another delivery recorded the same position, so
 * this transaction rolled back whole and the next try re-reads the job's counters.
 */
async function retry<T>(fn: () => Promise<T>, log?: Logger): Promise<T> {
  for (let conflicts = 0; ; conflicts++) {
    try {
      return await withTransientRetry(fn, {
        onRetry: (err, attempt) =>
          log?.warn({ code: errorCode(err), attempt }, 'transient database error, retrying'),
      });
    } catch (err) {
      if (!isLedgerConflict(err) || conflicts >= 3) throw err;
      log?.warn({ conflicts }, 'position already recorded by another delivery, re-reading the job');
    }
  }
}

/**
 * One transaction: lock the jobs row and, pipelined behind it in the same round trip, record
 * the next `chunkSize` positions after `processed_count` (starting the job if it was queued);
 * with the last positions, also complete the job and store its result. If the job ended
 * meanwhile (a cancel landed), the chunk statement does nothing and its stored result is
 * returned. Safe to run again after any failure: a rolled-back chunk left nothing behind.
 */
export async function processNextChunk(
  db: Database,
  job: { jobId: string; operation: Operation },
  chunkSize: number,
  log?: Logger,
): Promise<ChunkStep> {
  const { jobId, operation } = job;
  return retry(
    () =>
      db.transaction(async (tx): Promise<ChunkStep> => {
        const sql = txSql(tx);
        // Sent in order on one connection: the timeouts hold before the lock is taken.
        const [, locked, chunk] = await Promise.all([
          setLocalTimeouts(sql, CHUNK_TIMEOUTS),
          lockJob(sql, jobId, { durable: false }),
          transitionChunk(sql, { jobId, size: chunkSize, operation }),
        ]);
        if (!locked) throw new JobNotFoundError(`job ${jobId} does not exist`);
        if (!chunk) {
          if (!isEnded(locked.state))
            throw new Error(`job ${jobId} is ${locked.state} but not processable`);
          const result = locked.result as JobResult;
          return { kind: 'ended', job: locked, state: locked.state, result };
        }
        locked.processedCount = chunk.processedCount;
        locked.successCount = chunk.successCount;
        const progress = progressOf(locked);
        if (locked.processedCount < locked.requestedCount) {
          return { kind: 'progressed', job: locked, progress, chunk };
        }
        const result = await markCompleted(tx, locked);
        return { kind: 'completed', job: locked, progress, chunk, result };
      }),
    log,
  );
}
