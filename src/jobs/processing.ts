import type { Database } from '../db/client.ts';
import { dbErrorCode, withTransientRetry } from '../db/retry.ts';
import type { Logger } from '../logger.ts';
import { type ChunkOutcome, transitionChunk } from '../numbers/transition.ts';
import type { JobProgress } from '../queue/ready-for-removal-queue.ts';
import { isEnded, type LockedJob, lockJob, markCompleted, storedResult } from './job-rows.ts';
import type { JobObserver } from './observer.ts';
import type { JobResult } from './result.ts';
import type { JobState } from './states.ts';
import { txSql } from './tx-sql.ts';

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

export function progressOf(job: {
  requestedCount: number;
  processedCount: number;
  successCount: number;
}): JobProgress {
  const { requestedCount, processedCount, successCount } = job;
  return {
    requestedCount,
    processedCount,
    successCount,
    failedCount: processedCount - successCount,
    percent: requestedCount === 0 ? 100 : Math.floor((processedCount * 100) / requestedCount),
  };
}

/** A unique violation of the ledger's key (job_id, position), wherever Drizzle wrapped it. */
function isLedgerConflict(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, constraint_name } = e as { code?: unknown; constraint_name?: unknown };
    if (code === '23505') return constraint_name === 'job_items_pk';
  }
  return false;
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
          log?.warn({ code: dbErrorCode(err), attempt }, 'transient database error, retrying'),
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
  jobId: string,
  chunkSize: number,
  log?: Logger,
): Promise<ChunkStep> {
  return retry(
    () =>
      db.transaction(async (tx): Promise<ChunkStep> => {
        const sql = txSql(tx);
        const [job, chunk] = await Promise.all([
          lockJob(sql, jobId),
          transitionChunk(sql, { jobId, size: chunkSize }),
        ]);
        if (!job) throw new JobNotFoundError(`job ${jobId} does not exist`);
        if (!chunk) {
          if (!isEnded(job.state))
            throw new Error(`job ${jobId} is ${job.state} but not processable`);
          const result = await storedResult(tx, job);
          return { kind: 'ended', job, state: job.state, result };
        }
        job.processedCount = chunk.processedCount;
        job.successCount = chunk.successCount;
        const progress = progressOf(job);
        if (job.processedCount < job.requestedCount) {
          return { kind: 'progressed', job, progress, chunk };
        }
        const result = await markCompleted(tx, job);
        return { kind: 'completed', job, progress, chunk, result };
      }),
    log,
  );
}

export interface RunOptions {
  /** Numbers per transaction; a cancel is observed between two chunks. */
  chunkSize: number;
  /** Aborting stops the run between two chunks with a JobInterruptedError. */
  signal?: AbortSignal;
  /** Called with the job's counters after every committed chunk (not throttled). */
  onProgress?: (progress: JobProgress) => void;
  observer?: JobObserver;
  /** Lines after the first chunk also carry the job's traceId (from the jobs row). */
  logger?: Logger;
}

/**
 * Processes a job from wherever its counters say it stands until it completes, is found
 * cancelled, or `signal` aborts. Returns the job's result (for a job that had already ended,
 * its stored result). Every chunk is its own transaction, so a crash anywhere loses at most
 * the chunk in flight, which then simply did not happen.
 */
export async function runJob(db: Database, jobId: string, options: RunOptions): Promise<JobResult> {
  const { chunkSize, signal, onProgress, observer } = options;
  const startedAt = Date.now();
  let log = options.logger;
  for (let first = true; ; first = false) {
    if (signal?.aborted) throw new JobInterruptedError(`job ${jobId} interrupted`);
    const chunkStartedAt = performance.now();
    const step = await processNextChunk(db, jobId, chunkSize, log);
    if (step.kind === 'ended') {
      if (!first && step.state === 'cancelled')
        observer?.jobEnded('cancelled', Date.now() - startedAt);
      log?.info(
        { state: step.state, durationMs: Date.now() - startedAt },
        first ? 'job had already ended' : 'job ended elsewhere',
      );
      return step.result;
    }
    if (first) {
      log = log?.child({ traceId: step.job.traceId ?? undefined });
      log?.info({ processedCount: step.job.processedCount - step.chunk.processed }, 'job started');
    }
    observer?.chunkCommitted(step.chunk.byOutcome, performance.now() - chunkStartedAt);
    onProgress?.(step.progress);
    if (step.kind === 'completed') {
      observer?.jobEnded('completed', Date.now() - startedAt);
      log?.info(
        { state: 'completed', ...step.progress, durationMs: Date.now() - startedAt },
        'job completed',
      );
      return step.result;
    }
  }
}
