import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
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
    async runImport(csv: string, options: Partial<ImportOptions> = {}) {
      const rejected: RejectedRow[] = [];
      const summary = await importNumbers(t.sql, Readable.from([csv]), {
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
