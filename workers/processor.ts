import { DelayedError, type Job, UnrecoverableError, WaitingError } from 'bullmq';
import type { Config } from '../src/config.ts';
import type { Database } from '../src/db/client.ts';
import { isDbOutage } from '../src/db/error-classes.ts';
import { operationNamed } from '../src/domain/operations.ts';
import { describeError } from '../src/errors.ts';
import { failJob } from '../src/jobs/job-rows.ts';
import type { JobObserver } from '../src/jobs/observer.ts';
import { JobInterruptedError, JobNotFoundError } from '../src/jobs/processing.ts';
import type { JobResult } from '../src/jobs/result-schemas.ts';
import { runJob } from '../src/jobs/run.ts';
import type { Logger } from '../src/logger.ts';
import { validJobData } from '../src/queue/job-data.ts';
import { OperationJobData, type OperationReturnValue } from '../src/queue/operation-queue.ts';
import { chunkGate } from './chunk-gate.ts';
import { deferForOutage } from './outage-delay.ts';
import { createProgressReporter } from './progress.ts';

export interface ProcessorDeps {
  config: Config;
  db: Database;
  logger: Logger;
  observer?: JobObserver;
  /** True once the worker is shutting down (see the first check in the processor). */
  isClosing?: () => boolean;
}

export type OperationJob = Job<OperationJobData, OperationReturnValue>;

/**
 * The BullMQ processor. It declares its three parameters on purpose: BullMQ only passes an
 * AbortSignal to processors whose `length` is 3 (BullMQ checks `processor.length`), and the signal is how a
 * shutdown past its deadline stops a job between two chunks.
 */
export function createProcessor(deps: ProcessorDeps) {
  const { config, db, logger, observer } = deps;
  const betweenChunks = config.worker.testChunkGate ? chunkGate(db) : undefined;
  return async function processOperationJob(
    job: OperationJob,
    token: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<OperationReturnValue> {
    const { jobId } = validJobData(OperationJobData, job.data);
    const operation = operationNamed(job.name);
    if (!operation) throw new UnrecoverableError(`unknown operation "${job.name}"`);
    const log = logger.child({ jobId, operation: operation.name, attempt: job.attemptsMade + 1 });
    const progress = createProgressReporter(job, log);
    if (deps.isClosing?.() && token) {
      // BullMQ's blocking fetch can hand over a job after close() began (it does not check
      // `closing` once the wait returns). A closing worker takes no new work: put it back.
      log.info('job fetched while shutting down; returning it to the queue');
      await job.moveToWait(token);
      throw new WaitingError();
    }
    const startedAt = Date.now();
    try {
      const result = await runJob(
        db,
        { jobId, operation },
        {
          chunkSize: config.worker.chunkSize,
          signal,
          onProgress: progress.report,
          observer,
          logger: log,
          betweenChunks,
        },
      );
      await progress.flush();
      return toReturnValue(result);
    } catch (err) {
      if (err instanceof JobInterruptedError && token) {
        // Shutting down: hand the job back without spending an attempt; the next worker
        // resumes after the last committed chunk.
        log.info('job interrupted by shutdown; returning it to the queue');
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (err instanceof JobNotFoundError) throw new UnrecoverableError(err.message);
      // Postgres down, restarting or read-only is no fault of the job: an outage longer than
      // the attempts' backoff must not end it failed (docs/reliability.md).
      if (isDbOutage(err) && token && (await deferForOutage(job, token, log, err))) {
        throw new DelayedError();
      }
      const lastAttempt =
        err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (!lastAttempt) {
        log.warn({ err }, 'job attempt failed; BullMQ will retry it');
        throw err;
      }
      if (token && !(await stillHolds(job, token, config.worker.lockDurationMs))) {
        // A stale delivery (this worker froze and its job was handed to another): the job is
        // not ours to end. BullMQ refuses this attempt's outcome too; the new holder decides.
        log.warn(
          { err },
          'job attempt failed after its lock was lost; leaving the job to its new worker',
        );
        throw err;
      }
      log.error({ err }, 'job failed on its last attempt');
      await failJob(db, jobId, describeError(err))
        .then(() => observer?.jobEnded('failed', Date.now() - startedAt))
        .catch((markErr: unknown) => {
          // The recovery sweep marks it later from BullMQ's failed state.
          log.error({ err: markErr }, 'could not mark the job failed');
        });
      throw err;
    }
  };
}

/** The counts of a result, for Redis and Bull Board; the numbers stay in Postgres. */
function toReturnValue(result: JobResult): OperationReturnValue {
  const { jobId, requestedCount, processedCount, successCount, failedCount } = result.data;
  return {
    jobId,
    status: result.status,
    requestedCount,
    processedCount,
    successCount,
    failedCount,
  };
}

/** True while this worker still holds the job's BullMQ lock (it extends it to check). */
async function stillHolds(job: OperationJob, token: string, lockDurationMs: number) {
  return job.extendLock(token, lockDurationMs).then(
    (extended) => extended === 1,
    () => true, // Redis unreachable: it cannot tell; the job's failure is recorded as before.
  );
}
