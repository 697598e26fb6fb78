import type { Sql } from '../db/client.ts';
import { NUMBER_COUNTS_BACKFILL } from '../db/migrations/number-counts-backfill.ts';
import type { NumberStatus } from '../domain/statuses.ts';

// How many numbers a filter of the inventory holds, from number_counts (kept exact by triggers
// on telephone_numbers, drizzle/0005_number_counts.sql): at most four rows per customer, so
// `totalRecords` and the summary cost the same for ten numbers or ten million. Until the
// counts of an upgraded inventory are backfilled (src/db/migrations/number-counts-backfill.ts)
// the rows are counted as before: exact, and as slow as the inventory is big.

export interface CountFilter {
  operatorId: string;
  msTenantId?: string;
  status?: NumberStatus;
}

// Once complete, a backfill stays complete: remembered per pool.
const ready = new WeakSet<Sql>();

async function countsReady(sql: Sql): Promise<boolean> {
  if (ready.has(sql)) return true;
  const [row] = await sql`select 1 from schema_backfills where name = ${NUMBER_COUNTS_BACKFILL}`;
  if (row) ready.add(sql);
  return row !== undefined;
}

// A foreign or unknown msTenantId resolves to null: no rows, zero.
const customerOf = (sql: Sql, f: CountFilter) =>
  sql`(select id from customers where operator_id = ${f.operatorId} and ms_tenant_id = ${f.msTenantId ?? null})`;

/** The number of the operator's numbers that match the filter. */
export async function countNumbers(sql: Sql, f: CountFilter): Promise<number> {
  const byStatus = await countByStatus(sql, f, f.status ? [f.status] : undefined);
  return [...byStatus.values()].reduce((a, b) => a + b, 0);
}

/** Counts per status (only `statuses`, when given); statuses without numbers are absent. */
export async function countByStatus(
  sql: Sql,
  f: Omit<CountFilter, 'status'>,
  statuses?: readonly NumberStatus[],
): Promise<Map<NumberStatus, number>> {
  const onlyStatuses = statuses ? sql`and status = any(${statuses}::number_status[])` : sql``;
  const rows = (await countsReady(sql))
    ? await sql<{ status: NumberStatus; n: string }[]>`
        select status, sum(count)::text as n from number_counts
        where operator_id = ${f.operatorId}
          ${f.msTenantId ? sql`and customer_id = ${customerOf(sql, f)}` : sql``}
          ${onlyStatuses}
        group by status`
    : await sql<{ status: NumberStatus; n: string }[]>`
        select status, count(*)::text as n from telephone_numbers
        where operator_id = ${f.operatorId}
          ${f.msTenantId ? sql`and customer_id = ${customerOf(sql, f)}` : sql``}
          ${onlyStatuses}
        group by status`;
  return new Map(rows.map((r) => [r.status, Number(r.n)]));
}
