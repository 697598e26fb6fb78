import type { jobs } from '../db/schema.ts';
import type { JobResult } from './result.ts';
import { ENDED_JOB_STATES, type JobState } from './states.ts';

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

export interface JobProgressView {
  requestedCount: number;
  processedCount: number;
  successCount: number;
  failedCount: number;
  percent: number;
}

/** SPEC §3.7: the job resource. */
export interface JobView {
  jobId: string;
  operation: 'ready-for-removal';
  state: JobState;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  progress: JobProgressView;
  /** Present once the job ended. */
  result?: JobResult;
}

export function isEnded(state: JobState): boolean {
  return ENDED_JOB_STATES.includes(state);
}

export function progressOf(row: JobSummaryRow): JobProgressView {
  const { requestedCount, processedCount, successCount } = row;
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
    operation: 'ready-for-removal',
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
