import type { FastifyBaseLogger } from 'fastify';
import { EnqueueError } from '../../jobs/create.ts';
import { IdempotencyKeyBusyError } from '../../jobs/idempotency.ts';
import { HttpProblem, serviceUnavailable } from './problem.ts';

// Creating a job fails the same ways from the API and from the console; only the words about
// the Idempotency-Key differ (a header there, a form's hidden key in the console).

/**
 * What a failed create answers: the queue down (logged, nothing was processed) or the key in
 * use by a concurrent request (`busy`, retry after 1 s) are 503s; anything else as it is.
 */
export function creationFailure(err: unknown, log: FastifyBaseLogger, busy: string): unknown {
  if (err instanceof EnqueueError) {
    log.error({ err }, 'job not queued');
    return serviceUnavailable('The job queue is unavailable; nothing was processed');
  }
  if (err instanceof IdempotencyKeyBusyError) return serviceUnavailable(busy, 1);
  return err;
}

/** The key was used before with another request: `detail` says so in the caller's words. */
export const keyMismatch = (detail: string) =>
  new HttpProblem(422, 'IDEMPOTENCY_KEY_MISMATCH', detail);
