import type { jobs } from '../db/tables.ts';
import type { JobState } from '../domain/statuses.ts';
import type { JobProgress, JobResult, JobView } from './result-schemas.ts';

/** The columns a job resource is built from (no telephone numbers: they can be large). */
export type JobSummaryRow = Pick<
  typeof jobs.$inferSelect,
  | 'id'
  | 'operation'
  | 'state'
  | 'createdAt'
  | 'startedAt'
  | 'finishedAt'
  | 'requestedCount'
  | 'processedCount'
  | 'successCount'
  | 'result'
>;

const ENDED_JOB_STATES: readonly JobState[] = ['completed', 'cancelled', 'failed'];

/** Completed, cancelled or failed: the state and the result do not change any more. */
export function isEnded(state: JobState): boolean {
  return ENDED_JOB_STATES.includes(state);
}

export function progressOf(counters: {
  requestedCount: number;
  processedCount: number;
  successCount: number;
}): JobProgress {
  const { requestedCount, processedCount, successCount } = counters;
  return {
    requestedCount,
    processedCount,
    successCount,
    failedCount: processedCount - successCount,
    percent: requestedCount === 0 ? 100 : Math.floor((processedCount * 100) / requestedCount),
  };
}

export function toJobView(row: JobSummaryRow): JobView {
  const view: JobView = {
    jobId: row.id,
    operation: row.operation,
    state: row.state,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    progress: progressOf(row),
  };
  if (isEnded(row.state) && row.result) view.result = canonicalResult(row.result as JobResult);
  return view;
}

/** The stored result in the documented member order (jsonb does not keep key order). */
export function canonicalResult(result: JobResult): JobResult {
  const { data, status, succeeded, message } = result;
  return {
    data: {
      jobId: data.jobId,
      requestedCount: data.requestedCount,
      processedCount: data.processedCount,
      successCount: data.successCount,
      failedCount: data.failedCount,
      failures: data.failures,
    },
    status,
    succeeded,
    message,
  };
}
