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

// The counting group of the numbers without a customer (a key column cannot be null).
const NO_CUSTOMER = '00000000-0000-0000-0000-000000000000';

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

export interface CustomerSummaryRow {
  msTenantId: string;
  marked: number;
  ready: number;
}

/** Where a page of the per-customer summary starts: after this customer of the order. */
export interface CustomerSummaryPosition {
  marked: number;
  msTenantId: string;
}

/**
 * The removal summary of each of the operator's customers that has numbers waiting or
 * confirmed, most waiting first (then by tenant id), `limit` at a time after `after`;
 * `customers`: how many such customers there are in all. Read from the counters: up to two
 * rows per customer, so the cost follows the operator's customers, never its numbers (a
 * thousand customers are a few thousand counter rows, whether they hold ten numbers or ten
 * million). Exact, as the counters are; before their backfill, from the rows (as slow as the
 * inventory is big).
 */
export async function removalSummaryByCustomer(
  sql: Sql,
  operatorId: string,
  page: { limit: number; after?: CustomerSummaryPosition },
): Promise<{ rows: CustomerSummaryRow[]; customers: number; hasMore: boolean }> {
  const counted = (await countsReady(sql))
    ? sql`select customer_id,
             sum(count) filter (where status = 'MarkedForRemoval') as marked,
             sum(count) filter (where status = 'ReadyForRemoval') as ready
           from number_counts
           where operator_id = ${operatorId} and customer_id <> ${NO_CUSTOMER}::uuid
             and status in ('MarkedForRemoval', 'ReadyForRemoval')
           group by customer_id`
    : sql`select customer_id,
             count(*) filter (where status = 'MarkedForRemoval') as marked,
             count(*) filter (where status = 'ReadyForRemoval') as ready
           from telephone_numbers
           where operator_id = ${operatorId} and customer_id is not null
             and status in ('MarkedForRemoval', 'ReadyForRemoval')
           group by customer_id`;
  const { after } = page;
  // One row per customer of the page, each carrying the count of them all; a page past the
  // end is one row of nulls with the count.
  const rows = await sql<
    { msTenantId: string | null; marked: number; ready: number; customers: number }[]
  >`
    with s as (
      select customer_id, coalesce(marked, 0) as marked, coalesce(ready, 0) as ready
      from (${counted}) k
      where coalesce(marked, 0) + coalesce(ready, 0) > 0
    )
    select p.ms_tenant_id::text as "msTenantId", p.marked::int as marked, p.ready::int as ready,
           t.n::int as customers
    from (select count(*) as n from s) t
    left join lateral (
      select c.ms_tenant_id, s.marked, s.ready
      from s join customers c on c.id = s.customer_id
      ${
        after
          ? sql`where s.marked < ${after.marked}
                   or (s.marked = ${after.marked} and c.ms_tenant_id > ${after.msTenantId}::uuid)`
          : sql``
      }
      order by s.marked desc, c.ms_tenant_id
      limit ${page.limit + 1}
    ) p on true
    order by p.marked desc, p.ms_tenant_id`;
  const found = rows.flatMap((r) =>
    r.msTenantId === null ? [] : [{ msTenantId: r.msTenantId, marked: r.marked, ready: r.ready }],
  );
  const hasMore = found.length > page.limit;
  return {
    rows: hasMore ? found.slice(0, page.limit) : found,
    customers: rows[0]?.customers ?? 0,
    hasMore,
  };
}
