import type postgres from 'postgres';
import type { Sql } from '../db/client.ts';
import type { NumberStatus } from '../domain/statuses.ts';
import { countByStatus, countNumbers } from './number-counts.ts';
import { statusChanges } from './status-changes.ts';

// Read side of the inventory: the removal-status summary, the number list (a page, or every
// row in keyset-paged batches for the CSV export) and one number with its history. Every query is
// scoped to the operator: another operator's numbers and customers look exactly like missing
// ones. The list is sorted by E.164 and each filter has an index in that order (db/tables.ts).

/** The pool, or a transaction of it: fragments are built with the one that runs them. */
type AnySql = Sql | postgres.TransactionSql;

export interface InventoryFilter {
  operatorId: string;
  /** A customer of the operator; an unknown or foreign one matches nothing. */
  msTenantId?: string;
  status?: NumberStatus;
}

export interface InventoryRow {
  e164: string;
  status: NumberStatus;
  /** null: the number has no customer. */
  msTenantId: string | null;
  /** false when the number has no customer. */
  operatorConnect: boolean;
  assignable: boolean;
  /** ISO 8601 UTC, millisecond precision (as every timestamp the API answers). */
  confirmedForRemovalAt: string | null;
  updatedAt: string;
}

export interface HistoryRow {
  fromStatus: NumberStatus | null;
  toStatus: NumberStatus;
  changedAt: string;
  jobId: string | null;
  /** The job's operation, `import` for an inventory import, null for anything else. */
  operation: string | null;
  actor: string;
}

/** A number's history is short; this bounds the answer should it ever not be. */
export const HISTORY_LIMIT = 1000;

// Timestamps are formatted by Postgres: the client's pool (shared with Drizzle) hands them over
// as Postgres text, and the CSV export then writes them without a Date per field.
const iso = (sql: AnySql, column: string) =>
  sql`to_char(${sql.unsafe(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const columns = (sql: AnySql) => sql`
  n.e164, n.status, c.ms_tenant_id::text as "msTenantId",
  coalesce(c.operator_connect, false) as "operatorConnect", n.assignable,
  ${iso(sql, 'n.confirmed_for_removal_at')} as "confirmedForRemovalAt",
  ${iso(sql, 'n.updated_at')} as "updatedAt"`;

// The customer is resolved inside the operator, so a foreign msTenantId yields null: no rows.
const matching = (sql: AnySql, f: InventoryFilter) => sql`
  n.operator_id = ${f.operatorId}
  ${f.status ? sql`and n.status = ${f.status}` : sql``}
  ${
    f.msTenantId
      ? sql`and n.customer_id = (select id from customers
              where operator_id = ${f.operatorId} and ms_tenant_id = ${f.msTenantId})`
      : sql``
  }`;

export async function removalStatusSummary(
  sql: Sql,
  filter: Omit<InventoryFilter, 'status'>,
): Promise<{ marked: number; ready: number }> {
  const counts = await countByStatus(sql, filter, ['MarkedForRemoval', 'ReadyForRemoval']);
  return { marked: counts.get('MarkedForRemoval') ?? 0, ready: counts.get('ReadyForRemoval') ?? 0 };
}

/**
 * One page of the filtered list, and the total count of the filter. The page is the one after
 * the number `after` (a cursor's position: an index range scan, as fast at any depth), else
 * page `number` (1-based). A page number skips its offset in the filter's index, so page
 * 5,000 still reads 1,000,000 index entries (docs/api.md). `hasMore`: a page follows.
 */
export async function listNumbersPage(
  sql: Sql,
  filter: InventoryFilter,
  page: { number: number; size: number; after?: string },
): Promise<{ rows: InventoryRow[]; total: number; hasMore: boolean }> {
  const offset = (page.number - 1) * page.size;
  const start =
    page.after !== undefined
      ? sql`and n.e164 > ${page.after}`
      : offset > 0
        ? sql`and n.e164 >= (${firstOfPage(sql, filter, offset)})`
        : sql``;
  const [rows, total] = await Promise.all([
    sql<InventoryRow[]>`
      select ${columns(sql)}
      from telephone_numbers n left join customers c on c.id = n.customer_id
      where ${matching(sql, filter)} ${start}
      order by n.e164
      limit ${page.size + 1}`,
    countNumbers(sql, filter),
  ]);
  const hasMore = rows.length > page.size;
  return { rows: hasMore ? rows.slice(0, page.size) : rows, total, hasMore };
}

/**
 * The first number of the page at `offset`, found in the filter's index alone (an index-only
 * scan: the columns it needs are all in it), so an OFFSET reads no rows. A customer's numbers
 * are its operator's (the customer is resolved within the operator), so that filter needs no
 * operator column. Null past the end: the page is empty.
 */
function firstOfPage(sql: Sql, f: InventoryFilter, offset: number) {
  const where = f.msTenantId
    ? sql`n.customer_id = (select id from customers
            where operator_id = ${f.operatorId} and ms_tenant_id = ${f.msTenantId})
          ${f.status ? sql`and n.status = ${f.status}` : sql``}`
    : matching(sql, f);
  return sql`select n.e164 from telephone_numbers n where ${where}
             order by n.e164 offset ${offset} limit 1`;
}

/**
 * Every row of the filter in E.164 order, `batchSize` rows at a time, each batch its own short
 * query for the numbers after the last one of the batch before (keyset, served by the filter's
 * index in E.164 order). Between batches nothing is held, no connection and no snapshot, however
 * slowly the consumer takes them; a batch's query holds a snapshot for as long as it runs, at
 * most `batchTimeoutMs` (its statement timeout). So a number changed during an export shows its
 * state when its batch was read, and every number that exists throughout is listed once.
 */
export async function* numbersInOrder(
  sql: Sql,
  filter: InventoryFilter,
  options: { batchSize: number; batchTimeoutMs: number },
): AsyncGenerator<InventoryRow[]> {
  let after: string | undefined;
  for (;;) {
    // SET LOCAL, as set_config(…, true): it ends with this transaction (PgBouncer-safe). The
    // two statements go in one round trip, in this order (postgres.js pipelines an array).
    const [, rows] = await sql.begin((tx) => [
      tx`select set_config('statement_timeout', ${String(options.batchTimeoutMs)}, true)`,
      tx<InventoryRow[]>`
        select ${columns(tx)}
        from telephone_numbers n left join customers c on c.id = n.customer_id
        where ${matching(tx, filter)} ${after === undefined ? tx`` : tx`and n.e164 > ${after}`}
        order by n.e164
        limit ${options.batchSize}`,
    ]);
    if (rows.length > 0) yield rows;
    const last = rows.at(-1);
    if (!last || rows.length < options.batchSize) return;
    after = last.e164;
  }
}

/** The operator's number with its status history, newest first; undefined if not theirs. */
export async function getNumberWithHistory(
  sql: Sql,
  operatorId: string,
  e164: string,
): Promise<{ number: InventoryRow; history: HistoryRow[] } | undefined> {
  const [found] = await sql<(InventoryRow & { id: string })[]>`
    select n.id::text as id, ${columns(sql)}
    from telephone_numbers n left join customers c on c.id = n.customer_id
    where n.e164 = ${e164} and n.operator_id = ${operatorId}`;
  if (!found) return undefined;
  const { id, ...number } = found;
  const history = await sql<HistoryRow[]>`
    select c.from_status as "fromStatus", c.to_status as "toStatus",
           ${iso(sql, 'c.changed_at')} as "changedAt", c.job_id as "jobId", c.actor, c.operation
    from ${statusChanges(sql)} c
    where c.number_id = ${id}::bigint
    order by c.changed_at desc, c.seq desc
    limit ${HISTORY_LIMIT}`;
  return { number, history };
}
