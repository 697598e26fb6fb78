import { and, asc, eq, ne } from 'drizzle-orm';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import type { PostgresJsQueryResultHKT } from 'drizzle-orm/postgres-js';
import type * as schema from '../db/schema.ts';
import { jobItems, type jobs } from '../db/schema.ts';
import { buildJobResult, type FailureCode, failureDetail, type JobResult } from './result.ts';

/** The Drizzle database or a transaction on it: the ledger queries run in either. */
export type Executor = PgDatabase<PostgresJsQueryResultHKT, typeof schema>;

/** A row of the `jobs` table as Drizzle returns it. */
export type JobRow = typeof jobs.$inferSelect;

/**
 * The per-number failures of a job, in request order. Ledger positions are 0-based indexes into
 * `jobs.telephone_numbers`, like the `index` of request validation errors.
 */
export async function loadFailures(db: Executor, jobId: string) {
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
      detail: failureDetail(errorCode, currentStatus),
    };
  });
}

export interface JobCounters {
  id: string;
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
  return buildJobResult({
    jobId: job.id,
    requestedCount: job.requestedCount,
    processedCount: job.processedCount,
    successCount: job.successCount,
    failures: await loadFailures(db, job.id),
    cancelled,
  });
}
