import type { JobsOptions } from 'bullmq';
import type { Config } from '../config.ts';

/**
 * BullMQ options for every ready-for-removal job, used by the API when it enqueues and by the
 * worker's recovery when it re-enqueues, so both give a job the same retry budget. The jobs
 * row in Postgres is the record; BullMQ only keeps finished jobs for a while (Bull Board).
 */
export function readyForRemovalJobOptions(config: Pick<Config, 'worker'>): JobsOptions {
  return {
    attempts: config.worker.attempts,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  };
}
