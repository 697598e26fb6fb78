import { insertNumbersOf, insertOperators, upsertCustomerRows } from './merge-sql.ts';
import type { Conn } from './staging.ts';

// The statements of a first load (first-load.ts): the whole staged file into an inventory with
// no numbers, in the transaction that holds the numbers table. With no numbers, every line is
// new but a later line of a number already listed; so, once those are set aside (if there are
// any), each statement is one pass over the staged rows instead of a chunk at a time.

/**
 * Moves the later lines of every number listed more than once from import_rows to
 * import_duplicates (kept after the commit, for the report). Returns how many were moved.
 */
export async function setDuplicatesAside(conn: Conn): Promise<number> {
  await conn`drop table if exists import_duplicates`;
  const found = await conn`
    create temporary table import_duplicates as
    select line, e164, first_line from (
      select line, e164, min(line) over (partition by e164) as first_line from import_rows) s
    where line > first_line`;
  if (found.count === 0) return 0;
  await conn`
    delete from import_rows r using import_duplicates d where r.e164 = d.e164 and r.line = d.line`;
  return found.count;
}

/** The set-aside lines, in line order, a batch at a time. */
export function duplicateBatches(conn: Conn, size: number) {
  return conn<{ line: number; e164: string; firstLine: number }[]>`
    select line, e164, first_line as "firstLine" from import_duplicates order by line`.cursor(size);
}

/**
 * The file's (operator, customer) pairs, one pass over the staged rows, into import_owners:
 * operators and customers are made from these few rows instead of from every line. Every
 * staged line of a customer has the same operatorConnect (customer-flags.ts rejected the
 * others), so any line's value is the customer's.
 */
export async function collectOwners(conn: Conn): Promise<void> {
  await conn`drop table if exists import_owners`;
  await conn`
    create temporary table import_owners as
    select operator_slug, ms_tenant_id, bool_and(operator_connect) as operator_connect
    from import_rows group by operator_slug, ms_tenant_id`;
}

/** Creates the operators the file names; returns the slugs created. */
export function ensureFileOperators(conn: Conn): Promise<string[]> {
  return insertOperators(conn, conn`select distinct operator_slug from import_owners`);
}

/** Creates the file's customers and sets operator_connect where it differs. */
export function upsertFileCustomers(conn: Conn): Promise<{ created: number; updated: number }> {
  return upsertCustomerRows(
    conn,
    conn`select o.id, w.ms_tenant_id, w.operator_connect
         from import_owners w join operators o on o.slug = w.operator_slug
         where w.ms_tenant_id is not null
         order by o.id, w.ms_tenant_id`,
  );
}

/** Inserts every staged number, in E.164 order. */
export async function insertFileNumbers(conn: Conn): Promise<number> {
  const written = await conn`${insertNumbersOf(conn, 'import_rows')} order by s.e164`;
  return written.count;
}

export interface SecondaryIndex {
  name: string;
  /** CREATE INDEX …, as pg_get_indexdef gives it; null for a constraint's index. */
  indexDef: string | null;
  /** The constraint it backs (UNIQUE …, as pg_get_constraintdef gives it), or null. */
  constraintDef: string | null;
}

/**
 * Drops every index of the numbers table but its primary key (a unique constraint with its
 * index) and returns their definitions, read from the catalog, so restoreIndexes builds the
 * very same ones again: whatever the migrations made them, nothing here repeats them. The
 * constraints come first: a duplicate fails their build before the others are built.
 */
export async function dropSecondaryIndexes(conn: Conn): Promise<SecondaryIndex[]> {
  const indexes = await conn<SecondaryIndex[]>`
    select x.relname as name,
           case when c.oid is null then pg_get_indexdef(i.indexrelid) end as "indexDef",
           pg_get_constraintdef(c.oid) as "constraintDef"
    from pg_index i
    join pg_class x on x.oid = i.indexrelid
    left join pg_constraint c on c.conindid = i.indexrelid and c.conrelid = i.indrelid
    where i.indrelid = 'telephone_numbers'::regclass and not i.indisprimary
    order by c.oid is null, x.relname`;
  for (const index of indexes) {
    if (index.constraintDef === null) await conn`drop index ${conn(index.name)}`;
    else await conn`alter table telephone_numbers drop constraint ${conn(index.name)}`;
  }
  return indexes;
}

/** Builds the indexes dropSecondaryIndexes dropped, each by one sort of the loaded table. */
export async function restoreIndexes(conn: Conn, indexes: readonly SecondaryIndex[]) {
  for (const index of indexes) {
    if (index.indexDef !== null) await conn.unsafe(index.indexDef);
    else {
      await conn`
        alter table telephone_numbers
        add constraint ${conn(index.name)} ${conn.unsafe(index.constraintDef ?? '')}`;
    }
  }
}
