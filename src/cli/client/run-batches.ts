import { type Accepted, type Ended, followJob, type PostContext, postBatch } from './batch.ts';
import { ClientError, serviceError } from './errors.ts';
import type { JobApi } from './job-api.ts';
import { NOT_PROCESSED, outcomesOf, type RowOutcome } from './outcomes.ts';
import { type Batch, idempotencyKey } from './plan.ts';

// Runs the batches: POSTs one at a time (so each answer's RateLimit headers describe the
// budget the next POST meets), jobs followed concurrently, a bounded number in flight.

/** Jobs submitted but not yet ended, at most; enough to keep the budget's pace. */
export const MAX_IN_FLIGHT = 16;

export interface BatchDone {
  batch: Batch;
  outcomes: RowOutcome[];
  jobIds: string[];
  replayed: boolean;
  /** The job's result could not be read: the rows say UNKNOWN. */
  unknown?: boolean;
}

export interface RunSummary {
  submitted: number;
  replayed: number;
  /** Why the run stopped early (service refused or failed), if it did. */
  fatal?: ClientError;
}

export async function runBatches(
  batches: readonly Batch[],
  ctx: PostContext & { jobs: JobApi },
  onDone: (done: BatchDone) => void,
): Promise<RunSummary> {
  const { interrupt } = ctx;
  const summary: RunSummary = { submitted: 0, replayed: 0 };
  let chain: Promise<unknown> = Promise.resolve();
  const post = (numbers: readonly string[], key: string): Promise<Accepted> => {
    const posted = chain.then(() => postBatch(ctx, numbers, key));
    chain = posted.catch(() => {});
    return posted;
  };

  const complete = async (numbers: readonly string[], accepted: Accepted) => {
    if (accepted.replayed) summary.replayed++;
    const ended: Ended =
      accepted.kind === 'ended'
        ? {
            jobId: accepted.jobId,
            state: accepted.result.status === 'cancelled' ? 'cancelled' : 'completed',
            result: accepted.result,
            cancelledByUs: false,
          }
        : await followJob(ctx.jobs, accepted, interrupt);
    const outcomes = await outcomesOf(ctx.jobs, numbers, ended);
    const jobIds = ended.jobId ? [ended.jobId] : [];
    // A job an earlier run cancelled (Ctrl-C) replays as cancelled: its numbers that were
    // never processed go again, as a batch of their own with its own key.
    const rest = numbers.filter((_, i) => outcomes[i]?.outcome === NOT_PROCESSED);
    if (accepted.replayed && ended.state === 'cancelled' && rest.length > 0 && !interrupt.aborted) {
      const again = await completeRest(rest);
      if (again) {
        let next = 0;
        for (let i = 0; i < outcomes.length; i++) {
          if (outcomes[i]?.outcome === NOT_PROCESSED)
            outcomes[i] = again.outcomes[next++] as RowOutcome;
        }
        jobIds.push(...again.jobIds);
      }
    }
    return { outcomes, jobIds, replayed: accepted.replayed };
  };
  const completeRest = async (rest: string[]) => {
    try {
      return await complete(rest, await post(rest, idempotencyKey(ctx.operation, rest)));
    } catch (err) {
      if (interrupt.aborted) return undefined;
      throw err;
    }
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
      summary.fatal = asClientError(err);
      break;
    }
    summary.submitted++;
    const task = complete(batch.numbers, accepted).then(
      (done) => onDone({ batch, ...done }),
      (err: unknown) => {
        summary.fatal ??= asClientError(err);
        const detail = `the result of job ${accepted.jobId} could not be read; see "jobs items ${accepted.jobId}"`;
        const jobId = accepted.jobId ?? undefined;
        onDone({
          batch,
          outcomes: batch.numbers.map(() => ({ outcome: 'UNKNOWN', detail, jobId })),
          jobIds: jobId ? [jobId] : [],
          replayed: accepted.replayed,
          unknown: true,
        });
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
