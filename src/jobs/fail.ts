import type { Database } from '../db/client.ts';
import { withTransientRetry } from '../db/retry.ts';
import { markFailed } from './job-rows.ts';

/**
 * Ends a job as failed once BullMQ has no attempt left for it: counts and a result from the
 * ledger, plus the error. An ended job (completed, cancelled, failed) is left as it is.
 * Returns the job's final state, or undefined if the row does not exist.
 */
export async function failJob(db: Database, jobId: string, error: string) {
  return withTransientRetry(() => db.transaction((tx) => markFailed(tx, jobId, error)));
}

/**
 * A short description of an error for the jobs row: Drizzle's wrapper message carries the
 * whole SQL text, so the innermost cause's message and code are kept instead.
 */
export function describeError(err: unknown): string {
  let inner: unknown = err;
  for (let depth = 0; depth < 5; depth++) {
    const cause = (inner as { cause?: unknown } | null)?.cause;
    if (!cause) break;
    inner = cause;
  }
  const message = inner instanceof Error ? inner.message : String(inner);
  const code = (inner as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? `${message} (${code})` : message;
}
