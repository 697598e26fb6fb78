-- Release two of two (0012 built the indexes): the column becomes collation "C" and keeps 0012's
-- indexes. Postgres reuses an index whose collation already matches the altered column instead of
-- rebuilding it, and text to text is no rewrite, so the whole swap holds its ACCESS EXCLUSIVE
-- lock for milliseconds (measured on 1,000,000 numbers: about 50 ms; the lock is taken under
-- MIGRATE_LOCK_TIMEOUT_MS and retried like every migration's). The old indexes go in the same
-- transaction, so no statement ever sees the column without an index it can use.
ALTER TABLE "telephone_numbers" DROP CONSTRAINT "telephone_numbers_e164_unique";--> statement-breakpoint
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX "telephone_numbers_customer_idx";--> statement-breakpoint
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX "telephone_numbers_operator_status_idx";--> statement-breakpoint
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX "telephone_numbers_operator_e164_idx";--> statement-breakpoint
-- squawk-ignore changing-column-type
ALTER TABLE "telephone_numbers" ALTER COLUMN "e164" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "telephone_numbers" ADD CONSTRAINT "telephone_numbers_e164_unique" UNIQUE USING INDEX "telephone_numbers_e164_c";--> statement-breakpoint
ALTER INDEX "telephone_numbers_customer_c" RENAME TO "telephone_numbers_customer_idx";--> statement-breakpoint
ALTER INDEX "telephone_numbers_operator_status_c" RENAME TO "telephone_numbers_operator_status_idx";--> statement-breakpoint
ALTER INDEX "telephone_numbers_operator_e164_c" RENAME TO "telephone_numbers_operator_e164_idx";
