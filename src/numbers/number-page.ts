import type { Sql } from '../db/client.ts';
import { type InventoryFilter, type InventoryRow, listNumbersPage } from './inventory-queries.ts';

// One page of the operator's numbers as the API's list and the console's numbers page show it:
// the rows, the totals (from the counters) and where the next page starts. Both read through
// this one function; each turns the position into its opaque cursor (api/views/cursor.ts).

/** Where a page starts: after the number `e164`, and the number of that page. */
export interface NumberPagePosition {
  e164: string;
  page: number;
}

export interface NumberPage {
  currentPage: number;
  totalPages: number;
  totalRecords: number;
  rows: InventoryRow[];
  /** The next page's position; null on the last page. */
  next: NumberPagePosition | null;
}

/**
 * The page after `after` (a keyset position: as fast at any depth), else page `pageNumber`
 * (1-based; its offset is skipped in the filter's index, so a deep page costs its depth).
 */
export async function readNumberPage(
  sql: Sql,
  filter: InventoryFilter,
  page: { size: number; pageNumber: number; after?: NumberPagePosition | undefined },
): Promise<NumberPage> {
  const currentPage = page.after?.page ?? page.pageNumber;
  const found = await listNumbersPage(sql, filter, {
    number: currentPage,
    size: page.size,
    ...(page.after && { after: page.after.e164 }),
  });
  const last = found.rows.at(-1);
  return {
    currentPage,
    totalPages: Math.ceil(found.total / page.size),
    totalRecords: found.total,
    rows: found.rows,
    next: found.hasMore && last ? { e164: last.e164, page: currentPage + 1 } : null,
  };
}
