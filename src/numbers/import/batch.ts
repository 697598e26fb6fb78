import type { NumberStatus } from '../../domain/statuses.ts';
import type { ImportRow, RejectedRow } from './row.ts';
import {
  type Change,
  ensureOperators,
  insertNumbers,
  type Tx,
  updateNumbers,
  upsertCustomers,
} from './sql.ts';

export interface BatchOutcome {
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: RejectedRow[];
  operatorsCreated: string[];
  customersCreated: number;
  customersUpdated: number;
}

/**
 * Applies one batch of valid rows inside the caller's transaction, set-based: a handful of
 * statements whatever the batch size. Only rows that differ are written (and locked), so a
 * re-import is one indexed read per batch and writes nothing.
 */
export async function applyImportBatch(sql: Tx, rows: readonly ImportRow[]): Promise<BatchOutcome> {
  // One importer at a time, so two imports of overlapping files cannot race on the same rows.
  await sql`select pg_advisory_xact_lock(hashtext('oc-numbers:import'))`;
  const { inserts, updates, unchanged, rejected } = await classify(sql, rows);
  const writes = [...inserts, ...updates].map((change) => change.row);
  const operatorsCreated = await ensureOperators(sql, writes);
  // Unchanged numbers count too: their customer's operatorConnect may be what changed.
  const refused = new Set(rejected.map((r) => r.line));
  const customers = await upsertCustomers(
    sql,
    rows.filter((row) => !refused.has(row.line)),
  );
  const inserted = await insertNumbers(sql, inserts);
  const updated = await updateNumbers(sql, updates);
  // A row missing from either result was changed by someone else between the read above and
  // the write (a worker confirming it, say): the write's own guards skipped it.
  const written = new Set([...inserted, ...updated]);
  for (const change of [...inserts, ...updates]) {
    if (!written.has(change.row.e164)) {
      rejected.push(
        reject(change.row, 'changed by another process during the import; import again'),
      );
    }
  }
  return {
    inserted: inserted.length,
    updated: updated.length,
    unchanged,
    rejected,
    operatorsCreated,
    customersCreated: customers.created,
    customersUpdated: customers.updated,
  };
}

interface Current {
  e164: string;
  operatorSlug: string;
  status: NumberStatus;
  msTenantId: string | null;
}

/** Sorts the batch into new, changed, unchanged and refused rows, from one indexed read. */
async function classify(sql: Tx, rows: readonly ImportRow[]) {
  const found = await sql<Current[]>`
    select n.e164, o.slug as "operatorSlug", n.status, c.ms_tenant_id::text as "msTenantId"
    from telephone_numbers n
    join operators o on o.id = n.operator_id
    left join customers c on c.id = n.customer_id
    where n.e164 = any(${rows.map((r) => r.e164)}::text[])`;
  const byE164 = new Map(found.map((n) => [n.e164, n]));
  const inserts: Change[] = [];
  const updates: Change[] = [];
  const rejected: RejectedRow[] = [];
  let unchanged = 0;
  for (const row of rows) {
    const current = byE164.get(row.e164);
    if (!current) {
      inserts.push({ row, previousStatus: null });
    } else if (current.operatorSlug !== row.operatorSlug) {
      // Tenant isolation: an inventory file must never move a number to another operator.
      rejected.push(
        reject(row, 'the number belongs to another operator; an import never moves numbers'),
      );
    } else if (current.status === 'ReadyForRemoval' && row.status !== 'ReadyForRemoval') {
      // ReadyForRemoval is final (never handed out again); a stale export must not
      // bring a confirmed number back.
      rejected.push(
        reject(
          row,
          `the number is ReadyForRemoval, which is final; the import cannot make it ${row.status}`,
        ),
      );
    } else if (current.status !== row.status || current.msTenantId !== row.msTenantId) {
      updates.push({ row, previousStatus: current.status });
    } else {
      unchanged++;
    }
  }
  return { inserts, updates, unchanged, rejected };
}

function reject(row: ImportRow, reason: string): RejectedRow {
  return { line: row.line, telephoneNumber: row.e164, reason };
}
