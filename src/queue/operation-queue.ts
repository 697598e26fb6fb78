import type { JobsOptions, Queue } from 'bullmq';
import { z } from 'zod';
import type { Config } from '../config.ts';

/**
 * One queue carries every operation: the BullMQ job name is the operation, the BullMQ job id
 * is the Postgres job id (so either side finds the other), and one worker with one limiter
 * serves them all. The queue keeps the name it had when it carried one operation: renaming it
 * would strand the jobs waiting in Redis until the recovery sweep re-enqueued them.
 */
export const OPERATION_QUEUE = 'ready-for-removal';

// The payload stays tiny: the numbers and every outcome live in Postgres, the record.
export const OperationJobData = z.object({
  jobId: z.uuid(),
  operatorId: z.uuid(),
});
export type OperationJobData = z.infer<typeof OperationJobData>;

/**
 * What a finished BullMQ job returns. Redis keeps it (and Bull Board shows it) for thousands of
 * finished jobs, so it holds counts only: never telephone numbers or the failure list, which
 * Postgres keeps for the job API.
 */
export interface OperationReturnValue {
  jobId: string;
  status: 'success' | 'partialSuccess' | 'failure' | 'cancelled';
  requestedCount: number;
  processedCount: number;
  successCount: number;
  failedCount: number;
}

export type OperationQueue = Queue<OperationJobData, OperationReturnValue>;

/**
 * BullMQ options for every operation job, used by the API when it enqueues and by the worker's
 * recovery when it re-enqueues, so both give a job the same retry budget. The jobs row in
 * Postgres is the record; BullMQ only keeps finished jobs for a while (Bull Board).
 */
export function operationJobOptions(config: Pick<Config, 'worker'>): JobsOptions {
  return {
    attempts: config.worker.attempts,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  };
}
