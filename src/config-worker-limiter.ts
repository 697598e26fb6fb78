import { OPERATION_NAMES } from './domain/operations.ts';

// The workers' BullMQ limiter protects the database from runaway work (retries, stalls,
// recovery re-adds); it must never be what delays work the API already admitted.
//
// The API's budget is a fixed window, so within any span of one window it can admit up to twice
// its budget (the end of one window and the start of the next); BullMQ's limiter counts in
// windows of its own that start with the first job. Every operation endpoint has a budget of its
// own and all of them feed the one queue and its one limiter. So by default the limiter admits
// three budgets per endpoint per API window: the two the API can admit, plus one of headroom
// for re-runs.

export interface WorkerLimiter {
  max: number;
  durationMs: number;
}

/** The parsed variables the limiter is sized from (src/config-env.ts). */
export interface LimiterEnv {
  RATE_LIMIT_MAX: number;
  RATE_LIMIT_WINDOW_MS: number;
  SYNC_WAIT_MS: number;
  WORKER_LIMITER_MAX?: number | undefined;
  WORKER_LIMITER_DURATION_MS?: number | undefined;
}

/** Operation endpoints, each with its own RATE_LIMIT_MAX budget, all on the one queue. */
const OPERATION_COUNT = OPERATION_NAMES.length;

export function workerLimiter(env: LimiterEnv): WorkerLimiter {
  return {
    max: env.WORKER_LIMITER_MAX ?? 3 * env.RATE_LIMIT_MAX * OPERATION_COUNT,
    durationMs: env.WORKER_LIMITER_DURATION_MS ?? env.RATE_LIMIT_WINDOW_MS,
  };
}

/**
 * A problem when the limiter could hold back admitted work: it must start twice the API budgets
 * (every endpoint's) within one API window and within the sync wait (when there is one), or a burst the API
 * accepted across a window boundary would queue behind it.
 */
export function workerLimiterProblem(env: LimiterEnv): string | undefined {
  const limiter = workerLimiter(env);
  const span = Math.min(env.RATE_LIMIT_WINDOW_MS, env.SYNC_WAIT_MS || env.RATE_LIMIT_WINDOW_MS);
  // At least `max` start in the limiter's first window, then `max` per further whole window.
  const startedWithin = limiter.max * Math.max(1, Math.floor(span / limiter.durationMs));
  const needed = 2 * env.RATE_LIMIT_MAX * OPERATION_COUNT;
  if (startedWithin >= needed) return undefined;
  return (
    `WORKER_LIMITER_MAX/WORKER_LIMITER_DURATION_MS (${limiter.max} per ${limiter.durationMs} ms) ` +
    `would delay admitted work: the API can admit ${needed} jobs (twice RATE_LIMIT_MAX for each ` +
    `of its ${OPERATION_COUNT} operation endpoints) within ` +
    `${span} ms; leave both unset to size the limiter from the API budget`
  );
}
