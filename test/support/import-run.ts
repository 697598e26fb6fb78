import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Sql } from '../../src/db/client.ts';
import type { RejectedRow } from '../../src/numbers/import/row.ts';
import { type ImportOptions, importNumbers } from '../../src/numbers/import/run.ts';
import { statusChanges } from '../../src/numbers/status-changes.ts';
import type { TestDatabase } from './database.ts';

/** The inventory import run in-process on `t`, and what the import tests read back. */
export function importHelpers(t: TestDatabase) {
  return {
    /** A fresh operator slug. */
    slug: () => `op-${randomBytes(4).toString('hex')}`,
    /** Imports `csv`; the summary and the rejected rows in line order. */
    async runImport(csv: string | Readable, options: Partial<ImportOptions> = {}) {
      const rejected: RejectedRow[] = [];
      const source = typeof csv === 'string' ? Readable.from([csv]) : csv;
      const summary = await importNumbers(t.sql, source, {
        phoneValidation: 'possible',
        onRejected: (r) => rejected.push(r),
        ...options,
      });
      rejected.sort((a, b) => a.line - b.line);
      return { summary, rejected };
    },
    /** The number's row with its operator and customer (xmin: whether it was rewritten). */
    async numberRow(e164: string) {
      const [row] = await t.sql`
        select n.status, n.assignable, o.slug, c.ms_tenant_id::text as tenant,
               c.operator_connect, n.xmin::text as xmin
        from telephone_numbers n join operators o on o.id = n.operator_id
        left join customers c on c.id = n.customer_id where n.e164 = ${e164}`;
      return row;
    },
    /** The number's status changes, oldest first. */
    history(e164: string) {
      return t.sql`
        select c.from_status, c.to_status, c.actor, c.job_id from ${statusChanges(t.sql)} c
        join telephone_numbers n on n.id = c.number_id where n.e164 = ${e164}
        order by c.changed_at, c.seq`;
    },
  };
}

/** The numbers table's indexes: name, definition and identity (a rebuilt index is a new one). */
export async function indexesOf(sql: Sql) {
  return sql<{ name: string; def: string; oid: string }[]>`
    select c.relname as name, pg_get_indexdef(i.indexrelid) as def, i.indexrelid::text as oid
    from pg_index i join pg_class c on c.oid = i.indexrelid
    where i.indrelid = 'telephone_numbers'::regclass order by c.relname`;
}

/** What an import leaves: every number with its operator, customer, history and the counters. */
export async function inventoryOf(sql: Sql) {
  const numbers = await sql`
    select n.e164, o.slug, c.ms_tenant_id::text as tenant, c.operator_connect, n.status,
           n.assignable, n.imported_status
    from telephone_numbers n join operators o on o.id = n.operator_id
    left join customers c on c.id = n.customer_id order by n.e164`;
  const history = await sql`
    select n.e164, h.from_status, h.to_status, h.actor from ${statusChanges(sql)} h
    join telephone_numbers n on n.id = h.number_id order by n.e164, h.changed_at, h.seq`;
  const counts = await sql`
    select o.slug, c.ms_tenant_id::text as tenant, k.status, k.count::int
    from number_counts k join operators o on o.id = k.operator_id
    left join customers c on c.id = k.customer_id
    where k.count <> 0 order by 1, 2, 3`;
  return { numbers, history, counts };
}
