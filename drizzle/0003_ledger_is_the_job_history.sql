-- A job's status changes are its SUCCEEDED ledger rows from now on (src/numbers/status-changes.ts
-- reads them with the history as one); number_status_history keeps the changes made outside
-- jobs. Hand-added: the history rows the ledger already records (the job path wrote both in one
-- statement) go before their job_id does.
DELETE FROM "number_status_history" h USING "job_items" i
  WHERE h."job_id" = i."job_id" AND h."number_id" = i."number_id" AND i."outcome" = 'SUCCEEDED';--> statement-breakpoint
ALTER TABLE "number_status_history" DROP CONSTRAINT "number_status_history_job_id_jobs_id_fk";
--> statement-breakpoint
DROP INDEX "number_status_history_job_idx";--> statement-breakpoint
ALTER TABLE "number_status_history" DROP COLUMN "job_id";--> statement-breakpoint
DROP INDEX "job_items_outcome_idx";--> statement-breakpoint
CREATE INDEX "job_items_number_idx" ON "job_items" USING btree ("number_id");--> statement-breakpoint
-- The ledger's references, checked by triggers instead of foreign keys (hand-written; Drizzle
-- does not model triggers). A foreign key checks and KEY SHARE-locks the referenced row once
-- per ledger row; a chunk's ledger rows name rows its own transaction already holds (the jobs
-- row locked FOR UPDATE, each number locked or updated), so one set-based pass per statement
-- checks them and locks only what the transaction does not hold yet. Together with the delete
-- guards below this keeps what the foreign keys kept: no ledger row names a job or a number
-- that does not exist.
ALTER TABLE "job_items" DROP CONSTRAINT "job_items_job_id_jobs_id_fk";
--> statement-breakpoint
ALTER TABLE "job_items" DROP CONSTRAINT "job_items_number_id_telephone_numbers_id_fk";
--> statement-breakpoint
-- One pass per table: the distinct ids the new rows name, looked up by primary key (nested
-- loops only: the planner knows nothing of a transition table's size and would otherwise hash
-- a whole table); those the transaction holds are counted as they are, the rest KEY SHARE-
-- locked; any id neither held nor lockable does not exist.
CREATE FUNCTION "job_items_check_references"() RETURNS trigger LANGUAGE plpgsql
  SET enable_hashjoin = off SET enable_mergejoin = off AS $$
DECLARE
  me xid := pg_current_xact_id()::xid;
  missing bigint;
  example record;
BEGIN
  WITH ids AS (SELECT DISTINCT "job_id" AS id FROM new_items),
    seen AS MATERIALIZED (
      SELECT j."id", j.xmin = me OR j.xmax = me AS held FROM ids JOIN "jobs" j ON j."id" = ids.id),
    locked AS (
      SELECT j."id" FROM "jobs" j WHERE j."id" IN (SELECT id FROM seen WHERE NOT held)
      FOR KEY SHARE)
  SELECT (SELECT count(*) FROM ids) - (SELECT count(*) FROM seen WHERE held)
         - (SELECT count(*) FROM locked)
    INTO missing;
  IF missing = 0 THEN
    WITH ids AS (SELECT DISTINCT "number_id" AS id FROM new_items WHERE "number_id" IS NOT NULL),
      seen AS MATERIALIZED (
        SELECT t."id", t.xmin = me OR t.xmax = me AS held
        FROM ids JOIN "telephone_numbers" t ON t."id" = ids.id),
      locked AS (
        SELECT t."id" FROM "telephone_numbers" t WHERE t."id" IN (SELECT id FROM seen WHERE NOT held)
        FOR KEY SHARE)
    SELECT (SELECT count(*) FROM ids) - (SELECT count(*) FROM seen WHERE held)
           - (SELECT count(*) FROM locked)
      INTO missing;
  END IF;
  IF missing > 0 THEN
    SELECT n."job_id", n."position", n."number_id" INTO example FROM new_items n
      LEFT JOIN "jobs" j ON j."id" = n."job_id"
      LEFT JOIN "telephone_numbers" t ON t."id" = n."number_id"
      WHERE j."id" IS NULL OR (n."number_id" IS NOT NULL AND t."id" IS NULL)
      LIMIT 1;
    RAISE EXCEPTION 'job_items row (job %, position %) names a job or number (%) that does not exist',
      example."job_id", example."position", example."number_id"
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'job_items_references';
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "job_items_references" AFTER INSERT ON "job_items"
  REFERENCING NEW TABLE AS new_items
  FOR EACH STATEMENT EXECUTE FUNCTION "job_items_check_references"();--> statement-breakpoint
-- The ledger is what happened: nothing rewrites it (and so no update can point it elsewhere).
CREATE FUNCTION "job_items_refuse_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'job_items is append-only' USING ERRCODE = 'restrict_violation';
END $$;--> statement-breakpoint
CREATE TRIGGER "job_items_append_only" BEFORE UPDATE ON "job_items"
  FOR EACH STATEMENT EXECUTE FUNCTION "job_items_refuse_update"();--> statement-breakpoint
-- A job or number a ledger row names cannot be deleted (a foreign key's NO ACTION). The check
-- runs after the row is deleted, with a snapshot taken then: in READ COMMITTED it sees every
-- ledger row committed by a transaction the delete waited for. A transaction-wide snapshot
-- (REPEATABLE READ, SERIALIZABLE) would not, so such deletes are refused outright.
CREATE FUNCTION "job_items_refuse_orphans"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  referenced boolean;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'delete from % only in a READ COMMITTED transaction', TG_TABLE_NAME
      USING ERRCODE = 'feature_not_supported';
  END IF;
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM "job_items" WHERE %I = $1)', TG_ARGV[0])
    INTO referenced USING OLD."id";
  IF referenced THEN
    RAISE EXCEPTION 'delete from % (id %) would orphan job_items rows', TG_TABLE_NAME, OLD."id"
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'job_items_references';
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "jobs_ledger_references" AFTER DELETE ON "jobs"
  FOR EACH ROW EXECUTE FUNCTION "job_items_refuse_orphans"('job_id');--> statement-breakpoint
CREATE TRIGGER "telephone_numbers_ledger_references" AFTER DELETE ON "telephone_numbers"
  FOR EACH ROW EXECUTE FUNCTION "job_items_refuse_orphans"('number_id');--> statement-breakpoint
-- TRUNCATE fires no row triggers; a foreign key would refuse it, so these do.
CREATE FUNCTION "job_items_refuse_truncate"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM "job_items") THEN
    RAISE EXCEPTION 'truncate % would orphan job_items rows', TG_TABLE_NAME
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'job_items_references';
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "jobs_ledger_truncate" BEFORE TRUNCATE ON "jobs"
  FOR EACH STATEMENT EXECUTE FUNCTION "job_items_refuse_truncate"();--> statement-breakpoint
CREATE TRIGGER "telephone_numbers_ledger_truncate" BEFORE TRUNCATE ON "telephone_numbers"
  FOR EACH STATEMENT EXECUTE FUNCTION "job_items_refuse_truncate"();
