import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database, Sql } from '../db/client.ts';
import { jobs } from '../db/tables.ts';
import { toDateOrNull } from '../db/timestamps.ts';
import type { OperationName } from '../domain/operations.ts';
import type { ItemOutcome, JobState, NumberStatus } from '../domain/statuses.ts';
import type { JobSummaryRow } from './job-view.ts';

// Read side of the job API. Every query is scoped to the operator: another operator's job is
// indistinguishable from a missing one.

/** The columns of a job resource. */
export const summaryColumns = {
  id: jobs.id,
  operation: jobs.operation,
  state: jobs.state,
  createdAt: jobs.createdAt,
  startedAt: jobs.startedAt,
  finishedAt: jobs.finishedAt,
  requestedCount: jobs.requestedCount,
  processedCount: jobs.processedCount,
  successCount: jobs.successCount,
  result: jobs.result,
};

export async function getJob(
  db: Database,
  operatorId: string,
  jobId: string,
): Promise<JobSummaryRow | undefined> {
  const [row] = await db
    .select(summaryColumns)
    .from(jobs)
    .where(and(eq(jobs.id, jobId), eq(jobs.operatorId, operatorId)))
    .limit(1);
  return row;
}

export interface ListJobsOptions {
  state?: JobState;
  operation?: OperationName;
  limit: number;
  /** Keyset: the id of the last job of the previous page. */
  afterJobId?: string;
}

/** The operator's jobs, newest first; one row more than `limit` tells whether a next page exists. */
export async function listJobs(db: Database, operatorId: string, options: ListJobsOptions) {
  const conditions = [eq(jobs.operatorId, operatorId)];
  if (options.state) conditions.push(eq(jobs.state, options.state));
  if (options.operation) conditions.push(eq(jobs.operation, options.operation));
  if (options.afterJobId) {
    // Compare on the stored (microsecond) timestamp, not on a millisecond copy in the cursor.
    conditions.push(
      sql`(${jobs.createdAt}, ${jobs.id}) < (select c.created_at, c.id from jobs c where c.id = ${options.afterJobId} and c.operator_id = ${operatorId})`,
    );
  }
  const rows = await db
    // A list leaves the per-number failures out: up to 500 per job, they stay on the job itself.
    .select({ ...summaryColumns, result: sql<unknown>`${jobs.result} #- '{data,failures}'` })
    .from(jobs)
    .where(and(...conditions))
    .orderBy(desc(jobs.createdAt), desc(jobs.id))
    .limit(options.limit + 1);
  return { rows: rows.slice(0, options.limit), hasMore: rows.length > options.limit };
}

export type ItemFilter = ItemOutcome | 'NOT_PROCESSED';

export interface ItemRow {
  position: number;
  telephoneNumber: string;
  outcome: ItemOutcome | null;
  currentStatus: NumberStatus | null;
  processedAt: Date | null;
}

export interface ListItemsOptions {
  outcome?: ItemFilter;
  limit: number;
  afterPosition?: number;
}

/**
 * Every requested number of a job in request order, with its ledger outcome (null: not
 * processed, yet or ever). Ledger positions are 0-based indexes into jobs.telephone_numbers.
 * Call after getJob: this returns an empty page for a job that is not the operator's.
 */
export async function listItems(
  sql: Sql,
  operatorId: string,
  jobId: string,
  options: ListItemsOptions,
) {
  const after = options.afterPosition ?? -1;
  const filter =
    options.outcome === undefined
      ? sql``
      : options.outcome === 'NOT_PROCESSED'
        ? sql`and ji.job_id is null`
        : sql`and ji.outcome = ${options.outcome}`;
  const rows = await sql<(Omit<ItemRow, 'processedAt'> & { processedAt: string | null })[]>`
    select (t.ord - 1)::int as position, t.number as "telephoneNumber", ji.outcome,
           ji.current_status as "currentStatus", ji.processed_at as "processedAt"
    from jobs j
    cross join lateral unnest(j.telephone_numbers) with ordinality as t(number, ord)
    left join job_items ji on ji.job_id = j.id and ji.position = t.ord - 1
    where j.id = ${jobId}::uuid and j.operator_id = ${operatorId}::uuid
      and t.ord - 1 > ${after} ${filter}
    order by t.ord
    limit ${options.limit + 1}`;
  const items: ItemRow[] = rows
    .slice(0, options.limit)
    .map((r) => ({ ...r, processedAt: toDateOrNull(r.processedAt) }));
  return { items, hasMore: rows.length > options.limit };
}
