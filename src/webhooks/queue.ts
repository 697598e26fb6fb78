import { createHash } from 'node:crypto';
import type { JobsOptions, Queue } from 'bullmq';
import { z } from 'zod';

// The delivery queue: its own BullMQ queue (Bull Board shows it beside the action queue). One
// job carries the attempts of one endpoint that the relay found due together (one attempt, or
// a few of a burst): a BullMQ job's add, fetch and completion are most of what an attempt
// costs a saturated worker (docs/performance.md, "Webhooks"), so a burst shares them. The job
// id is derived from its attempts, so the relay can hand the same attempts over again after a
// crash and BullMQ keeps one job.

export const WEBHOOK_QUEUE = 'webhook-deliveries';

/** Attempts of one endpoint in one job: the relay's burst, cut into pieces this long. */
export const MAX_ATTEMPTS_PER_JOB = 10;

const Attempt = z.object({
  messageId: z.uuid(),
  /** 1-based: the attempt this job makes. */
  attempt: z.int().min(1),
});

const Batch = z.object({
  endpointId: z.uuid(),
  attempts: z.array(Attempt).min(1).max(MAX_ATTEMPTS_PER_JOB),
});

/**
 * A job's attempts. The one-attempt shape of earlier releases is still read (jobs a previous
 * release left in Redis during an upgrade), as a batch of one.
 */
export const DeliveryJobData = z.union([
  Batch,
  z
    .object({ messageId: z.uuid(), endpointId: z.uuid(), attempt: z.int().min(1) })
    .transform(({ messageId, endpointId, attempt }) => ({
      endpointId,
      attempts: [{ messageId, attempt }],
    })),
]);
export type DeliveryJobData = z.input<typeof Batch>;

export interface AttemptOutcome {
  messageId: string;
  attempt: number;
  outcome: 'succeeded' | 'retrying' | 'failed' | 'disabled' | 'stale';
  responseStatus: number | null;
}

export interface DeliveryReturnValue {
  attempts: AttemptOutcome[];
}

export type DeliveryQueue = Queue<DeliveryJobData, DeliveryReturnValue>;

/**
 * The same attempts always have the same id (BullMQ refuses ids with ':'): one attempt
 * `wh.<message>.<endpoint>.<attempt>` as before; several `wh.<endpoint>.<n>.<digest>`, the
 * digest of their message ids and attempt numbers.
 */
export function deliveryJobId(job: DeliveryJobData): string {
  const [only, ...more] = job.attempts;
  if (only && more.length === 0) return `wh.${only.messageId}.${job.endpointId}.${only.attempt}`;
  const digest = createHash('sha256');
  for (const a of job.attempts) digest.update(`${a.messageId}.${a.attempt};`);
  return `wh.${job.endpointId}.${job.attempts.length}.${digest.digest('hex').slice(0, 32)}`;
}

/** An unrelayed attempt as the relay reads it (relay.ts). */
export interface DueAttempt {
  messageId: string;
  endpointId: string;
  attempts: number;
  delayMs: number;
}

/**
 * The jobs for a page of due attempts: those due now grouped by endpoint, in the page's order,
 * at most MAX_ATTEMPTS_PER_JOB a job (so a big burst still makes several jobs, which the
 * endpoint's slots run side by side); each attempt due later in a job of its own.
 */
export function jobsOf(due: readonly DueAttempt[]): { data: DeliveryJobData; delayMs: number }[] {
  const jobs: { data: DeliveryJobData; delayMs: number }[] = [];
  const open = new Map<string, DeliveryJobData>();
  for (const row of due) {
    const attempt = { messageId: row.messageId, attempt: row.attempts + 1 };
    if (row.delayMs > 0) {
      jobs.push({
        data: { endpointId: row.endpointId, attempts: [attempt] },
        delayMs: row.delayMs,
      });
      continue;
    }
    let job = open.get(row.endpointId);
    if (!job || job.attempts.length >= MAX_ATTEMPTS_PER_JOB) {
      job = { endpointId: row.endpointId, attempts: [] };
      open.set(row.endpointId, job);
      jobs.push({ data: job, delayMs: 0 });
    }
    job.attempts.push(attempt);
  }
  return jobs;
}

/**
 * An attempt's outcome is recorded in Postgres by the attempt itself; BullMQ retries only a
 * job that could not record some attempt (the database away), and the retry skips the attempts
 * already recorded. Finished jobs stay an hour for Bull Board; after that an id is free again,
 * so a delivery Postgres still has pending (its recording lost) is handed over anew by the
 * relay's sweep.
 */
export const DELIVERY_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 5000 },
  removeOnFail: { age: 3600, count: 5000 },
};
