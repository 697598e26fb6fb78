import type { Job } from 'bullmq';
import type { Logger } from '../src/logger.ts';

/** The first wait after the database was found unavailable, doubled on each deferral. */
const FIRST_DELAY_MS = 500;
/** The longest wait: how late a deferred job may start once the database is back. */
const MAX_DELAY_MS = 5000;

/**
 * How long to wait before trying `job` again: exponential in the job's deferrals so far, with
 * jitter so that the jobs a worker deferred together do not all come back at once. BullMQ
 * counts every start (`attemptsStarted`) but only failed attempts (`attemptsMade`); the
 * difference, less the current start, is how often the job went back without spending one
 * (deferrals, and the rare stall).
 */
export function outageDelayMs(job: Pick<Job, 'attemptsStarted' | 'attemptsMade'>): number {
  const deferrals = Math.max(0, job.attemptsStarted - job.attemptsMade - 1);
  const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(deferrals, 16));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/**
 * Puts a job the database could not serve (down, starting, read-only) back as a delayed job
 * without spending an attempt (`moveToDelayed` skips the attempt count), so an outage of any
 * length never ends a job failed: it resumes at its last committed chunk once the database is
 * back. False when the job could not be moved (its lock was lost to another worker, or Redis is
 * unreachable): the caller then handles the error as any other.
 */
export async function deferForOutage(
  job: Job,
  token: string,
  log: Pick<Logger, 'warn'>,
  err: unknown,
): Promise<boolean> {
  const delayMs = outageDelayMs(job);
  try {
    await job.moveToDelayed(Date.now() + delayMs, token);
  } catch (moveErr) {
    log.warn({ err: moveErr }, 'could not defer the job; handling its error as usual');
    return false;
  }
  log.warn({ err, delayMs }, 'database unavailable; job deferred without spending an attempt');
  return true;
}
