import { randomUUID } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../src/db/client.ts';
import { jobItems, jobs } from '../../src/db/tables.ts';
import type { OperationName } from '../../src/domain/operations.ts';
import type { JobState } from '../../src/domain/statuses.ts';

/** Inserts a jobs row the way the API does (state queued unless told otherwise). */
export async function insertJob(
  db: Database,
  spec: { operatorId: string; numbers: string[]; state?: JobState; operation?: OperationName },
) {
  const [row] = await db
    .insert(jobs)
    .values({
      id: randomUUID(),
      operatorId: spec.operatorId,
      ...(spec.operation && { operation: spec.operation }),
      state: spec.state ?? 'queued',
      telephoneNumbers: spec.numbers,
      requestedCount: spec.numbers.length,
      traceId: randomUUID().replaceAll('-', ''),
    })
    .returning();
  if (!row) throw new Error('job not inserted');
  return row;
}

export async function jobRow(db: Database, jobId: string) {
  const [row] = await db.select().from(jobs).where(eq(jobs.id, jobId));
  if (!row) throw new Error(`no job ${jobId}`);
  return row;
}

export async function ledgerOf(db: Database, jobId: string) {
  return db
    .select()
    .from(jobItems)
    .where(eq(jobItems.jobId, jobId))
    .orderBy(asc(jobItems.position));
}

/** Counts that must agree with a job's counters: ledger rows, successes, distinct positions. */
export async function ledgerCounts(db: Database, jobId: string) {
  const [counts] = await db
    .select({
      items: sql<number>`count(*)::int`,
      succeeded: sql<number>`(count(*) filter (where ${jobItems.outcome} = 'SUCCEEDED'))::int`,
      distinctPositions: sql<number>`count(distinct ${jobItems.position})::int`,
    })
    .from(jobItems)
    .where(eq(jobItems.jobId, jobId));
  if (!counts) throw new Error('no counts');
  return counts;
}

/** The `ledgerCounts` of a job that recorded `items` numbers once each, `succeeded` of them moved. */
export const recordedOnce = (items: number, succeeded: number) => ({
  items,
  succeeded,
  distinctPositions: items,
});
