import { bigint, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { numberStatus } from './enums.ts';

// The tables no request writes: counts kept by triggers, and the backfills' bookkeeping.

/**
 * How many numbers each (operator, customer, status) has: what `totalRecords` and the summary
 * read, so they cost a few index probes whatever the inventory's size. Kept exact by statement
 * triggers on `telephone_numbers` (drizzle/0005_number_counts.sql) in the transaction of every
 * change. The numbers without a customer count under the nil UUID (a key column cannot be
 * null, and `NULLS NOT DISTINCT` needs PostgreSQL 15).
 */
export const numberCounts = pgTable(
  'number_counts',
  {
    operatorId: uuid('operator_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    status: numberStatus('status').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ name: 'number_counts_pk', columns: [t.operatorId, t.customerId, t.status] }),
  ],
);

/**
 * Data backfills that run after a migration, on a live service, in small steps (as
 * src/db/migrations/number-counts-backfill.ts): a row once one has completed. Until then the
 * readers that depend on it take the slow exact path.
 */
export const schemaBackfills = pgTable('schema_backfills', {
  name: text('name').primaryKey(),
  completedAt: timestamp('completed_at', { withTimezone: true }).notNull().defaultNow(),
});
