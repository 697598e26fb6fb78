import type { QueueEvents } from 'bullmq';
import type { Database } from '../db/client.ts';
import type { Operation } from '../domain/operations.ts';
import type { Logger } from '../logger.ts';
import type { OperationQueue } from '../queue/operation-queue.ts';
import { cancelAndDequeue } from './cancel.ts';
import { type CreateJobInput, createJob } from './create.ts';
import { dryRun } from './dry-run.ts';
import {
  getJob,
  type ListItemsOptions,
  type ListJobsOptions,
  listItems,
  listJobs,
} from './queries.ts';
import { createJobWaiter } from './wait.ts';

/**
 * The job use cases the API offers, over the database, the queue and its events: create (and
 * enqueue), dry run, wait, cancel (and dequeue), and the reads. Routes call these and only map the
 * outcomes to HTTP. The worker's side (process a chunk, complete, fail, recover) is in
 * `processing.ts`, `run.ts`, `job-rows.ts` and `recovery.ts`, over the same rows and lock.
 */
export function createJobService(deps: {
  db: Database;
  queue: OperationQueue;
  queueEvents: QueueEvents;
}) {
  // `db.$client`: the use cases whose statements are postgres.js templates (dry run, items).
  const { db, queue } = deps;
  const waiter = createJobWaiter({ db, queueEvents: deps.queueEvents });
  return {
    create: (operation: Operation, input: CreateJobInput) =>
      createJob({ db, queue }, operation, input),
    /** What the operation would do now; nothing is written, no job is created. */
    dryRun: (operation: Operation, operatorId: string, telephoneNumbers: string[]) =>
      dryRun(db.$client, operation, operatorId, telephoneNumbers),
    /** Until the job ended, `timeoutMs` passed, `signal` aborted or `releaseAll()`. */
    wait: waiter.wait,
    cancel: (target: { operatorId: string; jobId: string }, logger: Pick<Logger, 'warn'>) =>
      cancelAndDequeue({ db, queue, logger }, target),
    get: (operatorId: string, jobId: string) => getJob(db, operatorId, jobId),
    list: (operatorId: string, options: ListJobsOptions) => listJobs(db, operatorId, options),
    items: (operatorId: string, jobId: string, options: ListItemsOptions) =>
      listItems(db.$client, operatorId, jobId, options),
    /** Lets every current wait return at once (shutdown): their callers answer 202. */
    releaseAll: waiter.releaseAll,
    close: waiter.close,
  };
}

export type JobService = ReturnType<typeof createJobService>;
