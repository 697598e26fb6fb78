import type { Accepted, PostContext } from './batch.ts';
import { postBatch } from './batch.ts';
import { ClientError, OutcomeUnknownError, serviceError } from './errors.ts';
import { batchDeadline } from './follow-job.ts';
import type { JobApi } from './job-api.ts';
import type { RowOutcome } from './outcomes.ts';
import type { Batch } from './plan.ts';
import { settleBatch, unknownRows } from './settle-batch.ts';

// Runs the batches: POSTs one at a time (so each answer's RateLimit headers describe the
// budget the next POST meets), jobs followed concurrently, a bounded number in flight.

/** Jobs submitted but not yet ended, at most; enough to keep the budget's pace. */
export const MAX_IN_FLIGHT = 16;

export interface RunContext extends PostContext {
  jobs: JobApi;
  /** How long a batch may take from its accepted POST to its last job's end. */
  batchTimeoutMs: number;
  /** The run's key salt ('' or --fresh's nonce). */
  keySalt: string;
}

export interface BatchDone {
  batch: Batch;
  outcomes: RowOutcome[];
  jobIds: string[];
  replayed: boolean;
  /** Some rows say UNKNOWN: a job's result could not be read. */
  unknown?: boolean;
}

export interface RunSummary {
  submitted: number;
  replayed: number;
  /** Numbers sent again because their job left them unprocessed. */
  resent: number;
  /** Why the run stopped early (service refused or failed), if it did. */
  fatal?: ClientError;
}

export async function runBatches(
  batches: readonly Batch[],
  ctx: RunContext,
  onDone: (done: BatchDone) => void,
): Promise<RunSummary> {
  const { interrupt } = ctx;
  const summary: RunSummary = { submitted: 0, replayed: 0, resent: 0 };
  const fail = (err: unknown) => {
    summary.fatal ??= asClientError(err);
  };
  let chain: Promise<unknown> = Promise.resolve();
  const post = (numbers: readonly string[], key: string): Promise<Accepted> => {
    const posted = chain.then(() => postBatch(ctx, numbers, key));
    chain = posted.catch(() => {});
    return posted;
  };

  const inFlight = new Set<Promise<void>>();
  for (const batch of batches) {
    while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    if (interrupt.aborted || summary.fatal) break;
    let accepted: Accepted;
    try {
      accepted = await post(batch.numbers, batch.idempotencyKey);
    } catch (err) {
      if (interrupt.aborted) break;
      fail(err);
      if (err instanceof OutcomeUnknownError) {
        const outcomes = unknownRows(batch.numbers, err, err.jobId ?? null);
        onDone({
          batch,
          outcomes,
          jobIds: err.jobId ? [err.jobId] : [],
          replayed: false,
          unknown: true,
        });
      }
      break;
    }
    summary.submitted++;
    if (accepted.replayed) summary.replayed++;
    const deadline = batchDeadline(ctx.batchTimeoutMs);
    const task = settleBatch(batch.numbers, accepted, { ...ctx, deadline, post, fail }).then(
      (settled) => {
        summary.resent += settled.resent;
        onDone({ batch, ...settled, replayed: accepted.replayed });
      },
    );
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  }
  await Promise.all(inFlight);
  return summary;
}

function asClientError(err: unknown): ClientError {
  if (err instanceof ClientError) return err;
  return serviceError((err as Error).message ?? String(err));
}
