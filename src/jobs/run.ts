import type { Database } from '../db/client.ts';
import type { Operation } from '../domain/operations.ts';
import type { Logger } from '../logger.ts';
import { tracedChunk } from '../telemetry/chunk-span.ts';
import { tracingOn } from '../telemetry/state.ts';
import type { JobObserver } from './observer.ts';
import { JobInterruptedError, processNextChunk } from './processing.ts';
import type { JobProgress, JobResult } from './result-schemas.ts';

export interface RunOptions {
  /** Numbers per transaction; a cancel is observed between two chunks. */
  chunkSize: number;
  /** Aborting stops the run between two chunks with a JobInterruptedError. */
  signal?: AbortSignal | undefined;
  /** Called with the job's counters after every committed chunk (not throttled). */
  onProgress?: (progress: JobProgress) => void;
  observer?: JobObserver | undefined;
  /** Awaited after every committed chunk but the last, outside any transaction (tests' hold point). */
  betweenChunks?: (() => Promise<void>) | undefined;
  /** Lines after the first chunk also carry the job's traceId (from the jobs row). */
  logger?: Logger;
}

/**
 * Processes a job from wherever its counters say it stands until it completes, is found
 * cancelled, or `signal` aborts. Returns the job's result (for a job that had already ended,
 * its stored result). Every chunk is its own transaction, so a crash anywhere loses at most
 * the chunk in flight, which then simply did not happen.
 */
export async function runJob(
  db: Database,
  job: { jobId: string; operation: Operation },
  options: RunOptions,
): Promise<JobResult> {
  const { chunkSize, signal, onProgress, observer } = options;
  const startedAt = Date.now();
  let log = options.logger;
  for (let first = true; ; first = false) {
    if (signal?.aborted) throw new JobInterruptedError(`job ${job.jobId} interrupted`);
    const chunkStartedAt = performance.now();
    const step = await tracedChunk(
      { jobId: job.jobId, operation: job.operation.name, size: chunkSize },
      () => processNextChunk(db, job, chunkSize, log),
    );
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
      // With tracing on, the logger's mixin adds the active span's ids instead.
      if (!tracingOn()) log = log?.child({ traceId: step.job.traceId ?? undefined });
      log?.info({ processedCount: step.job.processedCount - step.chunk.processed }, 'job started');
    }
    observer?.chunkCommitted(
      job.operation.name,
      step.chunk.byOutcome,
      performance.now() - chunkStartedAt,
    );
    onProgress?.(step.progress);
    if (step.kind === 'completed') {
      observer?.jobEnded('completed', Date.now() - startedAt);
      log?.info(
        { state: 'completed', ...step.progress, durationMs: Date.now() - startedAt },
        'job completed',
      );
      return step.result;
    }
    await options.betweenChunks?.();
  }
}
