import type { Database } from '../db/client.ts';
import { dbErrorCode, withTransientRetry } from '../db/retry.ts';
import type { Logger } from '../logger.ts';
import { type ChunkOutcome, transitionChunk } from '../numbers/transition.ts';
import type { JobProgress } from '../queue/ready-for-removal-queue.ts';
import {
  isEnded,
  type LockedJob,
  lockJob,
  markActive,
  markCompleted,
  storedResult,
} from './job-rows.ts';
import type { JobObserver } from './observer.ts';
import type { JobResult } from './result.ts';
import type { JobState } from './states.ts';

/** The jobs row does not exist (never created, or rolled back by the API): nothing to do. */
export class JobNotFoundError extends Error {
  override name = 'JobNotFoundError';
}

/** The caller's signal stopped the run between two chunks; every committed chunk stays done. */
export class JobInterruptedError extends Error {
  override name = 'JobInterruptedError';
}

export type StartOutcome =
  | { kind: 'ended'; state: JobState; result: JobResult }
  | { kind: 'started'; job: LockedJob };

export type ChunkStep =
  | { kind: 'progressed'; progress: JobProgress; chunk: ChunkOutcome }
  | { kind: 'completed'; progress: JobProgress; chunk?: ChunkOutcome; result: JobResult }
  /** Ended elsewhere meanwhile (cancelled, or finished by another delivery). */
  | { kind: 'ended'; state: JobState; result: JobResult };

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
      if (dbErrorCode(err) !== '23505' || conflicts >= 3) throw err;
      log?.warn({ conflicts }, 'position already recorded by another delivery, re-reading the job');
    }
  }
}

/** Marks the job active, or reports the stored result of a job that already ended. */
export async function startJob(db: Database, jobId: string, log?: Logger): Promise<StartOutcome> {
  return retry(
    () =>
      db.transaction(async (tx): Promise<StartOutcome> => {
        const job = await lockJob(tx, jobId);
        if (!job) throw new JobNotFoundError(`job ${jobId} does not exist`);
        if (isEnded(job.state)) {
          return { kind: 'ended', state: job.state, result: await storedResult(tx, job) };
        }
        const startedAt = await markActive(tx, jobId);
        return { kind: 'started', job: { ...job, state: 'active', startedAt } };
      }),
    log,
  );
}

/**
 * One transaction: lock the jobs row, stop if it ended (a cancel landed), else record the next
 * `chunkSize` positions after `processed_count` and, with the last one, complete the job.
 * Safe to run again after any failure: a rolled-back chunk left nothing behind.
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
        const job = await lockJob(tx, jobId);
        if (!job) throw new JobNotFoundError(`job ${jobId} does not exist`);
        if (isEnded(job.state)) {
          return { kind: 'ended', state: job.state, result: await storedResult(tx, job) };
        }
        if (job.state !== 'active') throw new Error(`job ${jobId} is ${job.state}, not started`);
        let chunk: ChunkOutcome | undefined;
        if (job.processedCount < job.requestedCount) {
          const size = Math.min(chunkSize, job.requestedCount - job.processedCount);
          chunk = await transitionChunk(tx, { jobId, from: job.processedCount, size });
          job.processedCount = chunk.processedCount;
          job.successCount = chunk.successCount;
        }
        const progress = progressOf(job);
        if (job.processedCount < job.requestedCount && chunk) {
          return { kind: 'progressed', progress, chunk };
        }
        const result = await markCompleted(tx, job);
        return chunk
          ? { kind: 'completed', progress, chunk, result }
          : { kind: 'completed', progress, result };
      }),
    log,
  );
}

export interface RunOptions {
  /** Numbers per transaction; a cancel is observed between two chunks. */
  chunkSize: number;
  /** Aborting stops the run between two chunks with a JobInterruptedError. */
  signal?: AbortSignal;
  /** Called with the job's counters after the start and after every chunk (not throttled). */
  onProgress?: (progress: JobProgress) => void;
  observer?: JobObserver;
  /** Gets the job's traceId added once the jobs row is read. */
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
  const start = await startJob(db, jobId, options.logger);
  if (start.kind === 'ended') return start.result;
  const log = options.logger?.child({ traceId: start.job.traceId ?? undefined });
  log?.info({ processedCount: start.job.processedCount }, 'job started');
  onProgress?.(progressOf(start.job));
  const startedAt = Date.now();
  for (;;) {
    if (signal?.aborted) throw new JobInterruptedError(`job ${jobId} interrupted`);
    const chunkStartedAt = performance.now();
    const step = await processNextChunk(db, jobId, chunkSize, log);
    if (step.kind === 'ended') {
      log?.info({ state: step.state }, 'job ended elsewhere; stopping');
      if (step.state === 'cancelled') observer?.jobEnded('cancelled', Date.now() - startedAt);
      return step.result;
    }
    if (step.chunk)
      observer?.chunkCommitted(step.chunk.byOutcome, performance.now() - chunkStartedAt);
    onProgress?.(step.progress);
    if (step.kind === 'completed') {
      observer?.jobEnded('completed', Date.now() - startedAt);
      log?.info(step.progress, 'job completed');
      return step.result;
    }
  }
}
