import { setTimeout as sleep } from 'node:timers/promises';
import { OPERATIONS, type OperationName } from '../../domain/operations.ts';
import { OutcomeUnknownError, serviceError, TransientError } from './errors.ts';
import { type ApiAnswer, type ApiClient, refusal } from './http.ts';
import { JOBS_PATH, type JobResultBody } from './job-api.ts';
import { backoffMs, type Pacer } from './pacing.ts';
import { urlOf } from './service-url.ts';
import { JobFailedShape, JobResultShape, JobShape, readShape } from './shapes.ts';

// A batch's POST: paced, retried with the same Idempotency-Key, and its answer checked and read
// as a result (200) or a running job to follow (202; follow-job.ts).

export interface PostContext {
  api: ApiClient;
  pacer: Pacer;
  retries: number;
  operation: OperationName;
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
  const path = `${OPERATIONS[ctx.operation].path}${ctx.dryRun ? '?dryRun=true' : ''}`;
  // A dry run writes nothing, so it must never share a key with the real run of the file.
  const headers: Record<string, string> = ctx.dryRun
    ? {}
    : { prefer: 'respond-async', 'idempotency-key': `"${idempotencyKey}"` };
  let failures = 0;
  let rateLimited = 0;
  for (;;) {
    await ctx.pacer.wait(ctx.interrupt);
    const sentAt = Date.now();
    let answer: ApiAnswer;
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
    return acceptedFrom(ctx, numbers, answer);
  }
}

/** What the service made of the batch, from an answer that is not a 429. */
function acceptedFrom(ctx: PostContext, numbers: readonly string[], answer: ApiAnswer): Accepted {
  const what = `batch of ${numbers.length} numbers`;
  const replayed = answer.headers.get('idempotent-replayed') === 'true';
  const real =
    answer.status === 202 ||
    (answer.status === 200 && (answer.body as { dryRun?: unknown } | undefined)?.dryRun !== true);
  if (ctx.dryRun && real) {
    // Not a dry-run answer: the service ignored ?dryRun=true and may have moved numbers.
    throw serviceError(
      `the service answered a dry run with ${answer.status} and no "dryRun": true; it may have processed the numbers: stopping`,
    );
  }
  // From here on the service took the batch: an answer that cannot be read leaves it UNKNOWN.
  const unknown = (jobId?: string) => (message: string) => new OutcomeUnknownError(message, jobId);
  if (answer.status === 200) {
    const result = readShape(JobResultShape, answer, what, 'a job result', unknown());
    const jobId = result.data.jobId ?? undefined;
    if (result.data.requestedCount !== numbers.length || (!ctx.dryRun && !jobId)) {
      throw unknown(jobId)(`${what}: the service answered with the result of another request`);
    }
    return { kind: 'ended', jobId: result.data.jobId, result, replayed };
  }
  if (answer.status === 202) {
    const job = readShape(JobShape, answer, what, 'a job', unknown());
    if (job.progress.requestedCount !== numbers.length) {
      throw unknown(job.jobId)(`${what}: the service answered with a job of another request`);
    }
    const location = answer.headers.get('location') ?? `${JOBS_PATH}/${job.jobId}`;
    try {
      urlOf(ctx.api.baseUrl, location);
    } catch (err) {
      throw unknown(job.jobId)(`job ${job.jobId}: ${(err as Error).message}`);
    }
    return { kind: 'running', jobId: job.jobId, location, replayed };
  }
  // A replayed key whose job failed for good: the job itself says what it did and did not do.
  // Only a replay answers so (the client always asks for respond-async).
  const failed = answer.status === 500 ? JobFailedShape.safeParse(answer.body) : undefined;
  if (failed?.success) {
    const { jobId } = failed.data;
    return { kind: 'running', jobId, location: `${JOBS_PATH}/${jobId}`, replayed: true };
  }
  throw refusal(what, answer);
}
