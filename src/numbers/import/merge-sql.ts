import type postgres from 'postgres';

// The statements of one merge chunk: the staged rows whose number lies in (after, upTo]
// (upTo null: to the end), in one transaction. Each statement is set-based over the chunk
// whatever its size; the chunk's rows and what was decided for each sit in the temporary
// table import_chunk (emptied at commit), so nothing of them crosses the wire but the
// rejected rows.

type Tx = postgres.ReservedSql;

export type Verdict =
  | 'insert'
  | 'update'
  | 'unchanged'
  | 'duplicate'
  | 'foreign'
  | 'final'
  | 'raced';

export async function createChunkTable(sql: Tx): Promise<void> {
  await sql`drop table if exists import_chunk`;
  await sql`
    create temporary table import_chunk (
      line integer not null, e164 text collate "C" not null, status number_status not null,
      operator_slug text not null, ms_tenant_id uuid, operator_connect boolean not null,
      first_line integer not null, number_id bigint, current_status number_status,
      verdict text not null
    ) on commit delete rows`;
}

/** The first number after `after` that ends a chunk of `size` staged rows; null: the rest. */
export async function chunkEnd(sql: Tx, after: string | null, size: number) {
  const [row] = await sql<{ e164: string }[]>`
    select e164 from import_rows
    where ${after === null ? sql`true` : sql`e164 > ${after}`}
    order by e164, line offset ${size - 1} limit 1`;
  return row?.e164 ?? null;
}

/**
 * Decides each row of the chunk against the inventory, as the import always has: a later line
 * of a number already listed is a duplicate; a new number is inserted; another operator's is
 * refused, as is a change away from ReadyForRemoval (final); a different status or customer
 * is an update; the rest is unchanged.
 */
export async function classifyChunk(sql: Tx, after: string | null, upTo: string | null) {
  const range = (column: string) =>
    sql`${after === null ? sql`true` : sql`${sql.unsafe(column)} > ${after}`}
        and ${upTo === null ? sql`true` : sql`${sql.unsafe(column)} <= ${upTo}`}`;
  await sql`
    insert into import_chunk
    select s.line, s.e164, s.status, s.operator_slug, s.ms_tenant_id, s.operator_connect,
           s.first_line, n.id, n.status,
           case when s.line > s.first_line then 'duplicate'
                when n.id is null then 'insert'
                when o.slug <> s.operator_slug then 'foreign'
                when n.status = 'ReadyForRemoval' and s.status <> 'ReadyForRemoval' then 'final'
                when n.status <> s.status or c.ms_tenant_id is distinct from s.ms_tenant_id
                  then 'update'
                else 'unchanged' end
    from (select r.*, min(r.line) over (partition by r.e164) as first_line
          from import_rows r where ${range('r.e164')}) s
    -- The range again on the inventory's side: the join reads that range of its index
    -- instead of hashing the whole table once per chunk.
    left join telephone_numbers n on n.e164 = s.e164 and ${range('n.e164')}
    left join operators o on o.id = n.operator_id
    left join customers c on c.id = n.customer_id`;
  // The statements below join the chunk's rows; without statistics the planner takes a
  // temporary table for a few rows and picks nested loops that cost seconds per chunk.
  await sql`analyze import_chunk`;
}

/** Creates the operators new numbers name; returns the slugs created. */
export function ensureOperators(sql: Tx): Promise<string[]> {
  return insertOperators(
    sql,
    sql`select distinct operator_slug from import_chunk where verdict = 'insert'`,
  );
}

/** Creates the operators whose slugs `slugs` selects, in slug order; returns those created. */
export async function insertOperators(
  sql: Tx,
  slugs: postgres.PendingQuery<postgres.Row[]>,
): Promise<string[]> {
  const rows = await sql<{ slug: string }[]>`
    insert into operators (slug) ${slugs} order by 1
    on conflict (slug) do nothing
    returning slug`;
  return rows.map((r) => r.slug);
}

/** Creates the customers of accepted rows and sets operator_connect where it differs. */
export function upsertCustomers(sql: Tx): Promise<{ created: number; updated: number }> {
  return upsertCustomerRows(
    sql,
    sql`select distinct on (o.id, k.ms_tenant_id) o.id, k.ms_tenant_id, k.operator_connect
        from import_chunk k join operators o on o.slug = k.operator_slug
        where k.verdict in ('insert', 'update', 'unchanged') and k.ms_tenant_id is not null
        order by o.id, k.ms_tenant_id, k.line`,
  );
}

/**
 * Creates the customers `rows` selects (operator_id, ms_tenant_id, operator_connect) and sets
 * operator_connect where it differs; counts both. The merge and a first load (first-load-sql.ts)
 * each select their own rows.
 */
export async function upsertCustomerRows(
  sql: Tx,
  rows: postgres.PendingQuery<postgres.Row[]>,
): Promise<{ created: number; updated: number }> {
  const [counts] = await sql<{ created: number; updated: number }[]>`
    with written as (
      insert into customers as c (operator_id, ms_tenant_id, operator_connect)
      ${rows}
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

/**
 * Inserts the new numbers in E.164 order; one inserted meanwhile by someone else is marked
 * raced. A number's creation is its own first history entry (imported_status, at created_at:
 * status-changes.ts), so no history row is written. Returns how many were inserted.
 */
export async function insertNumbers(sql: Tx): Promise<number> {
  const [row] = await sql<{ inserted: number }[]>`
    with written as (
      ${insertNumbersOf(sql, 'import_chunk')}
      where s.verdict = 'insert'
      order by s.e164
      on conflict (e164) do nothing
      returning e164
    ), raced as (
      update import_chunk k set verdict = 'raced'
      where k.verdict = 'insert' and not exists (select 1 from written w where w.e164 = k.e164)
    )
    select count(*)::int as inserted from written`;
  return row?.inserted ?? 0;
}

/**
 * The insert of the numbers of the staged lines in `table` (import_chunk, or import_rows for a
 * first load: first-load-sql.ts), as `s`; the caller adds which lines and their order. With
 * their operator and customer; assignable unless ReadyForRemoval.
 */
export function insertNumbersOf(sql: Tx, table: 'import_chunk' | 'import_rows') {
  return sql`
    insert into telephone_numbers
      (e164, operator_id, customer_id, status, assignable, imported_status)
    select s.e164, o.id, c.id, s.status, s.status <> 'ReadyForRemoval', s.status
    from ${sql(table)} s
    join operators o on o.slug = s.operator_slug
    left join customers c on c.operator_id = o.id and c.ms_tenant_id = s.ms_tenant_id`;
}

/**
 * Updates status and customer of the chunk's changed numbers, with a history row per status
 * change. Locks them in id order first (as the worker does; a deadlock retries the chunk) and
 * records the status found under the lock; the update repeats the rules on what it finds, and
 * a row changed meanwhile so that they no longer hold is marked raced. Returns how many were
 * updated.
 */
export async function updateNumbers(sql: Tx): Promise<number> {
  await sql`
    with locked as (
      select n.id, n.status from telephone_numbers n
      join import_chunk k on k.number_id = n.id and k.verdict = 'update'
      order by n.id
      for no key update of n
    )
    update import_chunk k set current_status = l.status
    from locked l where k.number_id = l.id and k.verdict = 'update'`;
  const [row] = await sql<{ updated: number }[]>`
    with written as (
      update telephone_numbers n
      set status = k.status, customer_id = c.id,
          assignable = n.assignable and k.status <> 'ReadyForRemoval', updated_at = now()
      from import_chunk k
      join operators o on o.slug = k.operator_slug
      left join customers c on c.operator_id = o.id and c.ms_tenant_id = k.ms_tenant_id
      where k.verdict = 'update' and n.id = k.number_id and n.operator_id = o.id
        and not (n.status = 'ReadyForRemoval' and k.status <> 'ReadyForRemoval')
        and (n.status, n.customer_id) is distinct from (k.status, c.id)
      returning n.id, n.status, k.current_status as previous_status
    ), history as (
      insert into number_status_history (number_id, from_status, to_status, actor)
      select id, previous_status, status, 'import' from written
      where previous_status is distinct from status
    ), raced as (
      update import_chunk k set verdict = 'raced'
      where k.verdict = 'update' and not exists (select 1 from written w where w.id = k.number_id)
    )
    select count(*)::int as updated from written`;
  return row?.updated ?? 0;
}

export interface ChunkVerdicts {
  counts: Map<Verdict, number>;
  refused: { line: number; e164: string; verdict: Verdict; firstLine: number; status: string }[];
}

/** What was decided for the chunk's rows: counts, and the refused rows in line order. */
export async function chunkVerdicts(sql: Tx): Promise<ChunkVerdicts> {
  const counts = await sql<{ verdict: Verdict; n: number }[]>`
    select verdict, count(*)::int as n from import_chunk group by verdict`;
  const refused = await sql<ChunkVerdicts['refused']>`
    select line, e164, verdict, first_line as "firstLine", status from import_chunk
    where verdict in ('duplicate', 'foreign', 'final', 'raced') order by line`;
  return { counts: new Map(counts.map((c) => [c.verdict, c.n])), refused };
}
