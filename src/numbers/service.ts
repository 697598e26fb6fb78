import type { Database } from '../db/client.ts';
import {
  getNumberWithHistory,
  type InventoryFilter,
  numbersInOrder,
  removalStatusSummary,
} from './inventory-queries.ts';
import { type CustomerSummaryPosition, removalSummaryByCustomer } from './number-counts.ts';
import { readNumberPage } from './number-page.ts';

/**
 * The inventory use cases the API and the console offer over the database: the removal-status
 * summary (in all and per customer), a page of the list, every row of the list in batches (the
 * CSV export) and one number with its history. Routes call these and only map the answers to
 * HTTP or a page, as the job routes call `JobService`.
 */
export function createNumberService(deps: { db: Database }) {
  // The inventory's statements are postgres.js templates (docs/architecture.md, "Statements").
  const sql = deps.db.$client;
  return {
    summary: (filter: Omit<InventoryFilter, 'status'>) => removalStatusSummary(sql, filter),
    /** The summary of each customer with numbers waiting or confirmed, most waiting first. */
    summaryByCustomer: (
      operatorId: string,
      page: { limit: number; after?: CustomerSummaryPosition },
    ) => removalSummaryByCustomer(sql, operatorId, page),
    /** A page as the list shows it: rows, totals and the next page's position. */
    page: (filter: InventoryFilter, page: Parameters<typeof readNumberPage>[2]) =>
      readNumberPage(sql, filter, page),
    /** Batches read only as fast as they are taken: see `numbersInOrder`. */
    inOrder: (filter: InventoryFilter, options: Parameters<typeof numbersInOrder>[2]) =>
      numbersInOrder(sql, filter, options),
    get: (operatorId: string, e164: string) => getNumberWithHistory(sql, operatorId, e164),
  };
}

export type NumberService = ReturnType<typeof createNumberService>;
