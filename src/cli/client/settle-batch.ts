import type { OperationName } from '../../domain/operations.ts';
import type { Accepted } from './batch.ts';
import { OutcomeUnknownError, serviceError } from './errors.ts';
import { type Deadline, type Ended, followJob } from './follow-job.ts';
import type { JobApi } from './job-api.ts';
import { NOT_PROCESSED, outcomesOf, type RowOutcome, UNKNOWN } from './outcomes.ts';
import { idempotencyKey, resendSalt } from './plan.ts';

// A batch from its accepted POST to one outcome per number. A job that ends with numbers it
// never processed (it failed, or an earlier run cancelled it) leaves them untouched, so they go
// again as a job of their own, with a key of their own, a bounded number of times. Numbers a job
// cancelled in this run (Ctrl-C, or someone's cancel) stay NOT_PROCESSED.

/** Further jobs for a batch's unprocessed numbers, at most. */
export const MAX_RESENDS = 2;

export interface SettleContext {
  jobs: JobApi;
  operation: OperationName;
  /** The run's key salt ('' or --fresh's nonce). */
  keySalt: string;
  interrupt: AbortSignal;
  deadline: Deadline;
  /** Posts numbers with a key, one POST at a time across the run (run-batches.ts). */
  post(numbers: readonly string[], key: string): Promise<Accepted>;
  /** Reports what ends the run with exit 4 (the first one wins). */
  fail(err: unknown): void;
}

export interface Settled {
  outcomes: RowOutcome[];
  jobIds: string[];
  /** Numbers sent again after their job left them unprocessed. */
  resent: number;
  /** Some rows are UNKNOWN: a job's result could not be read. */
  unknown: boolean;
}

export async function settleBatch(
  numbers: readonly string[],
  accepted: Accepted,
  ctx: SettleContext,
): Promise<Settled> {
  const settled: Settled = { outcomes: [], jobIds: [], resent: 0, unknown: false };
  const place = (positions: readonly number[], rows: readonly RowOutcome[]) =>
    positions.forEach((p, k) => {
      settled.outcomes[p] = rows[k] as RowOutcome;
    });
  let positions = numbers.map((_, i) => i);
  let current = accepted;
  for (let resend = 1; ; resend++) {
    const part = positions.map((p) => numbers[p] as string);
    let ended: Ended;
    try {
      ended = await endOf(current, ctx);
      place(positions, await outcomesOf(ctx.jobs, part, ended));
    } catch (err) {
      place(positions, unknownRows(part, err, current.jobId));
      settled.unknown = true;
      ctx.fail(err);
      break;
    }
    if (ended.jobId) settled.jobIds.push(ended.jobId);
    positions = positions.filter((p) => settled.outcomes[p]?.outcome === NOT_PROCESSED);
    if (positions.length === 0 || ctx.interrupt.aborted || !worthResending(ended, current)) break;
    if (resend > MAX_RESENDS) {
      const detail = `job ${ended.jobId} ${ended.state} before processing it; sent ${resend} times`;
      for (const p of positions)
        settled.outcomes[p] = { ...settled.outcomes[p], outcome: NOT_PROCESSED, detail };
      ctx.fail(
        serviceError(
          `${positions.length} numbers were still not processed after ${resend} jobs (the last, ${ended.jobId}, ${ended.state})`,
        ),
      );
      break;
    }
    const again = positions.map((p) => numbers[p] as string);
    try {
      current = await ctx.post(
        again,
        idempotencyKey(ctx.operation, again, resendSalt(ctx.keySalt, resend)),
      );
    } catch (err) {
      if (ctx.interrupt.aborted) break;
      if (err instanceof OutcomeUnknownError) {
        place(positions, unknownRows(again, err, err.jobId ?? null));
        settled.unknown = true;
      }
      ctx.fail(err);
      break;
    }
    settled.resent += again.length;
  }
  return settled;
}

/**
 * A failed job's unprocessed numbers were never looked at; so were those of a job an earlier
 * run cancelled (it comes back replayed). A job cancelled during this run is left as it is.
 */
function worthResending(ended: Ended, accepted: Accepted): boolean {
  if (ended.cancelledByUs) return false;
  return ended.state !== 'cancelled' || accepted.replayed;
}

async function endOf(accepted: Accepted, ctx: SettleContext): Promise<Ended> {
  if (accepted.kind === 'running') {
    return followJob(ctx.jobs, accepted, ctx.interrupt, ctx.deadline);
  }
  const { jobId, result } = accepted;
  const state = result.status === 'cancelled' ? 'cancelled' : 'completed';
  return { jobId, state, result, cancelledByUs: false };
}

/** Rows for numbers whose outcome cannot be told, saying why and where to look. */
export function unknownRows(
  numbers: readonly string[],
  err: unknown,
  jobId: string | null,
): RowOutcome[] {
  const why = err instanceof Error ? err.message : String(err);
  const look = jobId && !why.includes('jobs get') ? `; see "jobs items ${jobId}"` : '';
  const row = { outcome: UNKNOWN, detail: `${why}${look}`, jobId: jobId ?? undefined };
  return numbers.map(() => row);
}
