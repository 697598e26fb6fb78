import type { z } from 'zod';
import { STATUS_CODE } from '../../domain/statuses.ts';
import type { HistoryRow, InventoryRow } from '../../numbers/inventory-queries.ts';
import type { InventoryNumberSchema, NumberStatusChangeSchema } from './number-schemas.ts';

// Rows of the inventory as the API shows them: JSON objects, or CSV lines with the same
// fields in the same order (telephoneNumber first, so the bulk client takes the file as is).

export type NumberView = z.output<typeof InventoryNumberSchema>;
type StatusChangeView = z.output<typeof NumberStatusChangeSchema>;

export const CSV_COLUMNS = [
  'telephoneNumber',
  'acquiredNumberStatus',
  'acquiredNumberStatusName',
  'msTenantId',
  'operatorConnect',
  'assignable',
  'confirmedForRemovalAt',
  'updatedAt',
] as const satisfies readonly (keyof NumberView)[];

export function toNumberView(row: InventoryRow): NumberView {
  return {
    telephoneNumber: row.e164,
    acquiredNumberStatus: STATUS_CODE[row.status],
    acquiredNumberStatusName: row.status,
    msTenantId: row.msTenantId,
    operatorConnect: row.operatorConnect,
    assignable: row.assignable,
    confirmedForRemovalAt: row.confirmedForRemovalAt,
    updatedAt: row.updatedAt,
  };
}

export function toStatusChangeView(row: HistoryRow): StatusChangeView {
  return {
    fromStatus: row.fromStatus,
    toStatus: row.toStatus,
    at: row.changedAt,
    jobId: row.jobId,
    operation: row.operation,
    actor: row.actor,
  };
}

// No field can hold a comma, quote or line break (E.164, names, codes, GUIDs, booleans, ISO
// timestamps), so fields are written as they are; null is an empty field.
function csvLine(view: NumberView): string {
  return `${CSV_COLUMNS.map((column) => view[column] ?? '').join(',')}\r\n`;
}

/**
 * The CSV export's text, batch by batch: pulled (and so read from the database) only as fast
 * as the download takes it. The first batch is read before this resolves, so a query that
 * cannot run still gets a problem answer instead of a cut-off 200.
 */
export async function numbersCsv(
  batches: AsyncIterable<InventoryRow[]>,
): Promise<AsyncIterable<string>> {
  const iterator = batches[Symbol.asyncIterator]();
  const first = await iterator.next();
  const csvOf = (batch: InventoryRow[]) => {
    let chunk = '';
    for (const row of batch) chunk += csvLine(toNumberView(row));
    return chunk;
  };
  async function* lines() {
    try {
      yield `${CSV_COLUMNS.join(',')}\r\n`;
      for (let next = first; !next.done; next = await iterator.next()) yield csvOf(next.value);
    } finally {
      await iterator.return?.();
    }
  }
  return lines();
}
