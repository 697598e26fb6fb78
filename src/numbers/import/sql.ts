import type postgres from 'postgres';
import type { NumberStatus } from '../../domain/statuses.ts';
import type { ImportRow } from './row.ts';

// The statements of one import batch. Rows travel as parallel arrays expanded by unnest(),
// so each statement costs one round trip whatever the batch size.

export type Tx = postgres.TransactionSql;

/** A row to write, with the status it had when the batch was classified (null: new). */
export interface Change {
  row: ImportRow;
  previousStatus: NumberStatus | null;
}

// The server decides each parameter's type from the query (postgres.js 4), so an array goes
// as it is, with a cast naming its type; nulls inside it stay nulls.

/** Creates the operators the rows name that do not exist yet; returns their slugs. */
export async function ensureOperators(sql: Tx, rows: readonly ImportRow[]): Promise<string[]> {
  const slugs = [...new Set(rows.map((r) => r.operatorSlug))];
  if (slugs.length === 0) return [];
  const created = await sql<{ slug: string }[]>`
    insert into operators (slug) select unnest(${slugs}::text[])
    on conflict (slug) do nothing
    returning slug`;
  return created.map((c) => c.slug);
}

/** Creates missing customers and sets operator_connect where it differs. */
export async function upsertCustomers(sql: Tx, rows: readonly ImportRow[]) {
  const unique = new Map<string, ImportRow>();
  for (const row of rows) {
    if (row.msTenantId !== null) unique.set(`${row.operatorSlug}/${row.msTenantId}`, row);
  }
  if (unique.size === 0) return { created: 0, updated: 0 };
  const list = [...unique.values()];
  const column = (value: (row: ImportRow) => string | null) => list.map(value);
  const [counts] = await sql<{ created: number; updated: number }[]>`
    with written as (
      insert into customers as c (operator_id, ms_tenant_id, operator_connect)
      select o.id, t.ms_tenant_id, t.operator_connect
      from unnest(
        ${column((r) => r.operatorSlug)}::text[],
        ${column((r) => r.msTenantId)}::uuid[],
        ${list.map((r) => r.operatorConnect)}::bool[]
      ) as t(slug, ms_tenant_id, operator_connect)
      join operators o on o.slug = t.slug
      on conflict (operator_id, ms_tenant_id) do update
        set operator_connect = excluded.operator_connect
        where c.operator_connect <> excluded.operator_connect
      returning (xmax = 0) as created
    )
    select count(*) filter (where created)::int as created,
           count(*) filter (where not created)::int as updated
    from written`;
  return counts ?? { created: 0, updated: 0 };
}

/** The rows as a relation: operator and customer resolved to ids. */
function input(sql: Tx, changes: readonly Change[]) {
  const column = (value: (change: Change) => string | null) => changes.map(value);
  return sql`
    select t.e164, o.id as operator_id, c.id as customer_id, t.status, t.previous_status
    from unnest(
      ${column((ch) => ch.row.e164)}::text[],
      ${column((ch) => ch.row.operatorSlug)}::text[],
      ${column((ch) => ch.row.msTenantId)}::uuid[],
      ${column((ch) => ch.row.status)}::number_status[],
      ${column((ch) => ch.previousStatus)}::number_status[]
    ) as t(e164, slug, ms_tenant_id, status, previous_status)
    join operators o on o.slug = t.slug
    left join customers c on c.operator_id = o.id and c.ms_tenant_id = t.ms_tenant_id`;
}

/**
 * Inserts new numbers, each with its first history row (from_status null, actor `import`).
 * A number entering as ReadyForRemoval is not assignable. Returns the E.164s inserted.
 */
export async function insertNumbers(sql: Tx, changes: readonly Change[]): Promise<string[]> {
  if (changes.length === 0) return [];
  const rows = await sql<{ e164: string }[]>`
    with input as (${input(sql, changes)}),
    written as (
      insert into telephone_numbers (e164, operator_id, customer_id, status, assignable)
      select e164, operator_id, customer_id, status, status <> 'ReadyForRemoval' from input
      on conflict (e164) do nothing
      returning id, e164, status
    ), history as (
      insert into number_status_history (number_id, from_status, to_status, actor)
      select id, null, status, 'import' from written
    )
    select e164 from written`;
  return rows.map((r) => r.e164);
}

/**
 * Updates status and customer of existing numbers of the same operator, with a history row per
 * status change. Locks only these rows (in id order; a deadlock with a worker is retried as a
 * whole batch) and records the status found under the lock. Returns the E.164s updated.
 */
export async function updateNumbers(sql: Tx, changes: readonly Change[]): Promise<string[]> {
  if (changes.length === 0) return [];
  const locked = await sql<{ e164: string; status: NumberStatus }[]>`
    select e164, status from telephone_numbers
    where e164 = any(${changes.map((c) => c.row.e164)}::text[])
    order by id
    for no key update`;
  const statusNow = new Map(locked.map((n) => [n.e164, n.status]));
  const current = changes.map((c) => ({ ...c, previousStatus: statusNow.get(c.row.e164) ?? null }));
  const rows = await sql<{ e164: string }[]>`
    with input as (${input(sql, current)}),
    written as (
      update telephone_numbers n
      set status = i.status,
          customer_id = i.customer_id,
          assignable = n.assignable and i.status <> 'ReadyForRemoval',
          updated_at = now()
      from input i
      where n.e164 = i.e164
        -- The rules checked when classifying, repeated row by row under the lock.
        and n.operator_id = i.operator_id
        and not (n.status = 'ReadyForRemoval' and i.status <> 'ReadyForRemoval')
        and (n.status, n.customer_id) is distinct from (i.status, i.customer_id)
      returning n.id, n.e164, n.status, i.previous_status
    ), history as (
      insert into number_status_history (number_id, from_status, to_status, actor)
      select id, previous_status, status, 'import' from written
      where previous_status is distinct from status
    )
    select e164 from written`;
  return rows.map((r) => r.e164);
}
