import type { Job } from 'bullmq';
import type { JobProgress } from '../src/jobs/result-schemas.ts';
import type { Logger } from '../src/logger.ts';

/**
 * Sends a job's progress to BullMQ (Bull Board, QueueEvents) at most every `intervalMs`, one
 * update in flight at a time, so a 500-number job costs a few Redis calls, not one per chunk.
 * The durable progress is the jobs row, updated in every chunk's transaction anyway.
 */
export function createProgressReporter(
  job: Pick<Job, 'updateProgress'>,
  log: Logger,
  intervalMs = 250,
) {
  let lastSentAt = 0;
  let pending: JobProgress | undefined;
  let inFlight: Promise<void> | undefined;

  const send = (progress: JobProgress) => {
    lastSentAt = Date.now();
    pending = undefined;
    inFlight = job
      .updateProgress(progress)
      .catch((err: unknown) => log.warn({ err }, 'could not update BullMQ progress'))
      .finally(() => {
        inFlight = undefined;
      });
  };

  return {
    report(progress: JobProgress): void {
      pending = progress;
      if (!inFlight && Date.now() - lastSentAt >= intervalMs) send(progress);
    },
    /** Sends the latest progress if it was held back; resolves once nothing is in flight. */
    async flush(): Promise<void> {
      await inFlight;
      if (pending) send(pending);
      await inFlight;
    },
  };
}
