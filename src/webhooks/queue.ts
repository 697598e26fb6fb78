import type { JobsOptions, Queue } from 'bullmq';
import { z } from 'zod';

// The delivery queue: its own BullMQ queue (Bull Board shows it beside the action queue), one
// job per attempt. The job id is derived from the delivery and the attempt's number, so the
// relay can hand the same attempt over again after any crash and BullMQ keeps one job.

export const WEBHOOK_QUEUE = 'webhook-deliveries';

export const DeliveryJobData = z.object({
  messageId: z.uuid(),
  endpointId: z.uuid(),
  /** 1-based: the attempt this job makes. */
  attempt: z.int().min(1),
});
export type DeliveryJobData = z.infer<typeof DeliveryJobData>;

export interface DeliveryReturnValue {
  outcome: 'succeeded' | 'retrying' | 'failed' | 'disabled' | 'stale';
  responseStatus: number | null;
}

export type DeliveryQueue = Queue<DeliveryJobData, DeliveryReturnValue>;

/** The same attempt always has the same id (BullMQ refuses ids with ':'). */
export const deliveryJobId = (job: DeliveryJobData) =>
  `wh.${job.messageId}.${job.endpointId}.${job.attempt}`;

/**
 * An attempt's outcome is recorded in Postgres by the attempt itself; BullMQ retries only an
 * attempt that could not record it (the database away). Finished jobs stay an hour for Bull
 * Board; after that an id is free again, so a delivery Postgres still has pending (its
 * recording lost) is handed over anew by the relay's sweep.
 */
export const DELIVERY_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 5000 },
  removeOnFail: { age: 3600, count: 5000 },
};
