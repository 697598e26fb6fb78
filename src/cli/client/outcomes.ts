import type { Ended } from './follow-job.ts';
import type { JobApi } from './job-api.ts';

// Each number's outcome in a batch, in the batch's order. A job that processed every number
// lists its failures, so the rest succeeded; a cancelled or failed one is read item by item.

export interface RowOutcome {
  outcome: string;
  currentStatus?: string | undefined;
  detail?: string | undefined;
  jobId?: string | undefined;
}

export const SUCCEEDED = 'SUCCEEDED';
export const WOULD_SUCCEED = 'WOULD_SUCCEED';
export const NOT_PROCESSED = 'NOT_PROCESSED';
export const NOT_SUBMITTED = 'NOT_SUBMITTED';
/** The service took the number, but what it did cannot be told (docs/cli.md). */
export const UNKNOWN = 'UNKNOWN';

export async function outcomesOf(
  jobs: JobApi,
  numbers: readonly string[],
  ended: Ended,
): Promise<RowOutcome[]> {
  const { result } = ended;
  const jobId = ended.jobId ?? undefined;
  if (result && ended.state !== 'failed' && result.data.processedCount === numbers.length) {
    const failures = new Map(result.data.failures.map((f) => [f.telephoneNumber, f]));
    const success = result.dryRun ? WOULD_SUCCEED : SUCCEEDED;
    return numbers.map((number) => {
      const failure = failures.get(number);
      return failure
        ? {
            outcome: failure.errorCode,
            currentStatus: failure.currentStatus,
            detail: failure.detail,
            jobId,
          }
        : { outcome: success, jobId };
    });
  }
  if (!jobId) throw new Error('a partial result without a job');
  const items = await jobs.items(jobId);
  return numbers.map((number, position) => {
    const item = items[position];
    if (!item || item.telephoneNumber !== number) {
      return { outcome: UNKNOWN, detail: `job ${jobId} does not list this number`, jobId };
    }
    // As in the full-result path: the status is reported for failures only.
    return item.outcome === SUCCEEDED
      ? { outcome: SUCCEEDED, jobId }
      : { outcome: item.outcome, currentStatus: item.currentStatus, detail: item.detail, jobId };
  });
}
