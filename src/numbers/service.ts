import type { Database } from '../db/client.ts';
import {
  getNumberWithHistory,
  type InventoryFilter,
  listNumbersPage,
  numbersInOrder,
  removalStatusSummary,
} from './inventory-queries.ts';

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
    page: (filter: InventoryFilter, page: Parameters<typeof listNumbersPage>[2]) =>
      listNumbersPage(sql, filter, page),
    /** Batches read only as fast as they are taken: see `numbersInOrder`. */
    inOrder: (filter: InventoryFilter, options: Parameters<typeof numbersInOrder>[2]) =>
      numbersInOrder(sql, filter, options),
    get: (operatorId: string, e164: string) => getNumberWithHistory(sql, operatorId, e164),
  };
}

export type NumberService = ReturnType<typeof createNumberService>;
