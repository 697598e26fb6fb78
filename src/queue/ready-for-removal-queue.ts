import { z } from 'zod';

/** One queue, one job name: BullMQ job id = Postgres job id, so either side finds the other. */
export const READY_FOR_REMOVAL_QUEUE = 'ready-for-removal';
export const READY_FOR_REMOVAL_JOB = 'ready-for-removal';

// The payload stays tiny: the numbers and every outcome live in Postgres, the record.
export const ReadyForRemovalJobData = z.object({
  jobId: z.uuid(),
  operatorId: z.uuid(),
});
export type ReadyForRemovalJobData = z.infer<typeof ReadyForRemovalJobData>;

/** What the BullMQ progress of a job holds (shown in Bull Board, read by the job API). */
export interface JobProgress {
  requestedCount: number;
  processedCount: number;
  successCount: number;
  failedCount: number;
  percent: number;
}

/**
 * What a finished BullMQ job returns. Redis keeps it (and Bull Board shows it) for thousands of
 * finished jobs, so it holds counts only: never telephone numbers or the failure list, which
 * Postgres keeps for the job API.
 */
export interface ReadyForRemovalReturnValue {
  jobId: string;
  status: 'success' | 'partialSuccess' | 'failure' | 'cancelled';
  requestedCount: number;
  processedCount: number;
  successCount: number;
  failedCount: number;
}
