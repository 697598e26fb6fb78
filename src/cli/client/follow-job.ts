import { setTimeout as sleep } from 'node:timers/promises';
import type { Accepted } from './batch.ts';
import { OutcomeUnknownError } from './errors.ts';
import { retryAfterMs } from './http.ts';
import { isEnded, type JobApi, type JobResultBody, type JobView } from './job-api.ts';

// Following a batch's job: polled at its Location until it ends, cancelled when the run is
// interrupted, given up (left running, its rows UNKNOWN) past the batch's deadline.

export interface Ended {
  jobId: string | null;
  state: JobView['state'];
  result?: JobResultBody | undefined;
  cancelledByUs: boolean;
}

/** When a batch must have ended (--batch-timeout): its rows are UNKNOWN past it. */
export interface Deadline {
  signal: AbortSignal;
  expired(jobId: string): OutcomeUnknownError;
}

export function batchDeadline(ms: number): Deadline {
  return {
    signal: AbortSignal.timeout(ms),
    expired: (jobId) =>
      new OutcomeUnknownError(
        `job ${jobId} had not ended after ${ms / 1000} s (--batch-timeout); it may still run: see "jobs get ${jobId}", or run the file again later to pick up its result`,
        jobId,
      ),
  };
}

const FIRST_POLL_MS = 100;

/**
 * Polls a running job until it ends; on interrupt, cancels it and returns it as it stopped;
 * past the deadline, gives up on it (OutcomeUnknownError) and leaves it running.
 */
export async function followJob(
  jobs: JobApi,
  accepted: Extract<Accepted, { kind: 'running' }>,
  interrupt: AbortSignal,
  deadline: Deadline,
): Promise<Ended> {
  const stop = AbortSignal.any([interrupt, deadline.signal]);
  let delay = FIRST_POLL_MS;
  let retryAfter = 1000;
  for (;;) {
    if (interrupt.aborted) {
      const { view } = await jobs.cancel(accepted.jobId);
      return { jobId: view.jobId, state: view.state, result: view.result, cancelledByUs: true };
    }
    if (deadline.signal.aborted) throw deadline.expired(accepted.jobId);
    await sleep(Math.min(delay, retryAfter), undefined, { signal: stop }).catch(() => {});
    if (stop.aborted) continue;
    let polled: Awaited<ReturnType<JobApi['get']>>;
    try {
      polled = await jobs.get(accepted.location, stop);
    } catch (err) {
      if (stop.aborted) continue;
      throw err;
    }
    const { view, answer } = polled;
    if (view.jobId !== accepted.jobId) {
      throw new OutcomeUnknownError(
        `job ${accepted.jobId}: its Location answered with job ${view.jobId}`,
        accepted.jobId,
      );
    }
    if (isEnded(view.state)) {
      return { jobId: view.jobId, state: view.state, result: view.result, cancelledByUs: false };
    }
    retryAfter = retryAfterMs(answer.headers) ?? retryAfter;
    delay *= 2;
  }
}
