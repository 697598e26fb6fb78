import { and, asc, eq, ne } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { jobItems } from '../db/tables.ts';
import { OPERATIONS, type Operation, type OperationName } from '../domain/operations.ts';
import { buildJobResult, failureDetail } from './result.ts';
import type { FailureCode, JobResult, NumberFailure } from './result-schemas.ts';

/**
 * The per-number failures of a job, in request order. Ledger positions are 0-based indexes into
 * `jobs.telephone_numbers`, like the `index` of request validation errors.
 */
export async function loadFailures(
  db: Executor,
  jobId: string,
  operation: Operation,
): Promise<NumberFailure[]> {
  const rows = await db
    .select({
      telephoneNumber: jobItems.telephoneNumber,
      outcome: jobItems.outcome,
      currentStatus: jobItems.currentStatus,
    })
    .from(jobItems)
    .where(and(eq(jobItems.jobId, jobId), ne(jobItems.outcome, 'SUCCEEDED')))
    .orderBy(asc(jobItems.position))
    // Prepared (postgres.js caches it per connection): no describe round trip, no re-planning.
    .prepare('load_failures')
    .execute();
  return rows.map(({ telephoneNumber, outcome, currentStatus }) => {
    const errorCode = outcome as FailureCode;
    return {
      telephoneNumber,
      errorCode,
      ...(currentStatus ? { currentStatus } : {}),
      detail: failureDetail(operation, errorCode, currentStatus),
    };
  });
}

export interface JobCounters {
  id: string;
  operation: OperationName;
  requestedCount: number;
  processedCount: number;
  successCount: number;
}

/** The result a job would have if it ended now: its counters plus the ledger's failures. */
export async function resultFromLedger(
  db: Executor,
  job: JobCounters,
  cancelled: boolean,
): Promise<JobResult> {
  const operation = OPERATIONS[job.operation];
  return buildJobResult(operation, {
    jobId: job.id,
    requestedCount: job.requestedCount,
    processedCount: job.processedCount,
    successCount: job.successCount,
    failures: await loadFailures(db, job.id, operation),
    cancelled,
  });
}
