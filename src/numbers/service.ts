import type { Database } from '../db/client.ts';
import {
  getNumberWithHistory,
  type InventoryFilter,
  numbersInOrder,
  removalStatusSummary,
} from './inventory-queries.ts';
import { readNumberPage } from './number-page.ts';

/**
 * The inventory use cases the API offers over the database: the removal-status summary, a page
 * of the list, every row of the list in batches (the CSV export) and one number with its history.
 * Routes call these and only map the answers to HTTP, as the job routes call `JobService`.
 */
export function createNumberService(deps: { db: Database }) {
  // The inventory's statements are postgres.js templates (docs/architecture.md, "Statements").
  const sql = deps.db.$client;
  return {
    summary: (filter: Omit<InventoryFilter, 'status'>) => removalStatusSummary(sql, filter),
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
