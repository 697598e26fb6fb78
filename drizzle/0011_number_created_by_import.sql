-- A number the import creates no longer gets a number_status_history row for its creation: its
-- first history entry (from nothing to imported_status, by `import`, at created_at) is read from
-- the number itself (src/numbers/status-changes.ts). Numbers created before keep their row and
-- have no imported_status. A nullable column without a default: no rewrite.
ALTER TABLE "telephone_numbers" ADD COLUMN "imported_status" "number_status";
