import { setTimeout as sleep } from 'node:timers/promises';
import { serviceError, TransientError } from './errors.ts';
import { type ApiClient, refusal, retryAfterMs } from './http.ts';
import { isEnded, JOBS_PATH, type JobApi, type JobResultBody, type JobView } from './job-api.ts';
import { backoffMs, type Pacer } from './pacing.ts';
import { ACTION_PATHS, type Operation } from './plan.ts';

// One batch's life: the POST (paced, retried with the same Idempotency-Key), then, for a 202,
// polling the job until it ends, or cancelling it when the run is interrupted.

export interface PostContext {
  api: ApiClient;
  pacer: Pacer;
  retries: number;
  operation: Operation;
  dryRun: boolean;
  /** Aborted on Ctrl-C: a wait for the budget stops; a request already sent is not cut. */
  interrupt: AbortSignal;
}

export type Accepted =
  | { kind: 'ended'; jobId: string | null; result: JobResultBody; replayed: boolean }
  | { kind: 'running'; jobId: string; location: string; replayed: boolean };

/** More 429s than this for one batch means someone else is using the whole budget. */
const MAX_RATE_LIMITED = 50;

export async function postBatch(
  ctx: PostContext,
  numbers: readonly string[],
  idempotencyKey: string,
): Promise<Accepted> {
  const path = `${ACTION_PATHS[ctx.operation]}${ctx.dryRun ? '?dryRun=true' : ''}`;
  // A dry run writes nothing, so it must never share a key with the real run of the file.
  const headers: Record<string, string> = ctx.dryRun
    ? {}
    : { prefer: 'respond-async', 'idempotency-key': `"${idempotencyKey}"` };
  let failures = 0;
  let rateLimited = 0;
  for (;;) {
    await ctx.pacer.wait(ctx.interrupt);
    const sentAt = Date.now();
    let answer: Awaited<ReturnType<ApiClient['request']>>;
    try {
      answer = await ctx.api.request('POST', path, {
        body: { telephoneNumbers: numbers },
        headers,
      });
    } catch (err) {
      if (!(err instanceof TransientError)) throw err;
      if (failures >= ctx.retries) {
        throw serviceError(`${err.message} (gave up after ${failures + 1} tries)`);
      }
      await sleep(backoffMs(failures++, err.retryAfterMs), undefined, { signal: ctx.interrupt });
      continue;
    }
    if (answer.status === 429) {
      ctx.pacer.observeRateLimited(answer.headers, sentAt);
      if (++rateLimited > MAX_RATE_LIMITED) throw refusal('the budget stays spent', answer);
      continue;
    }
    ctx.pacer.observe(answer.headers, sentAt);
    const replayed = answer.headers.get('idempotent-replayed') === 'true';
    const realAnswer =
      answer.status === 202 ||
      (answer.status === 200 && (answer.body as JobResultBody).dryRun !== true);
    if (ctx.dryRun && realAnswer) {
      // Not a dry-run answer: the service ignored ?dryRun=true and may have moved numbers.
      throw serviceError(
        `the service answered a dry run with ${answer.status} and no "dryRun": true; it may have processed the numbers: stopping`,
      );
    }
    if (answer.status === 200) {
      const result = answer.body as JobResultBody;
      return { kind: 'ended', jobId: result.data.jobId, result, replayed };
    }
    if (answer.status === 202) {
      const job = answer.body as JobView;
      const location = answer.headers.get('location') ?? `${JOBS_PATH}/${job.jobId}`;
      return { kind: 'running', jobId: job.jobId, location, replayed };
    }
    throw refusal(`batch of ${numbers.length} numbers`, answer);
  }
}

export interface Ended {
  jobId: string | null;
  state: JobView['state'] | 'dry-run';
  result?: JobResultBody | undefined;
  cancelledByUs: boolean;
}

const FIRST_POLL_MS = 100;

/** Polls a running job until it ends; on interrupt, cancels it and returns it as it stopped. */
export async function followJob(
  jobs: JobApi,
  accepted: Extract<Accepted, { kind: 'running' }>,
  interrupt: AbortSignal,
): Promise<Ended> {
  let delay = FIRST_POLL_MS;
  let retryAfter = 1000;
  for (;;) {
    if (interrupt.aborted) {
      const view = await jobs.cancel(accepted.jobId);
      return { jobId: view.jobId, state: view.state, result: view.result, cancelledByUs: true };
    }
    await sleep(Math.min(delay, retryAfter), undefined, { signal: interrupt }).catch(() => {});
    if (interrupt.aborted) continue;
    const { view, answer } = await jobs.get(accepted.location);
    if (isEnded(view.state)) {
      return { jobId: view.jobId, state: view.state, result: view.result, cancelledByUs: false };
    }
    retryAfter = retryAfterMs(answer.headers) ?? retryAfter;
    delay *= 2;
  }
}
