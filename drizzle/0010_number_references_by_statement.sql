-- The inventory's references, checked by triggers once per statement instead of by foreign keys
-- once per row (hand-written; Drizzle does not model triggers), as 0003 did for the ledger:
--   telephone_numbers.operator_id                 -> operators.id
--   telephone_numbers (customer_id, operator_id)  -> customers (id, operator_id)
--   number_status_history.number_id               -> telephone_numbers.id
-- An import inserts its numbers (and their history rows) tens of thousands per statement; the
-- three foreign keys' per-row checks were half of its time (docs/performance.md). Here the
-- distinct keys a statement's new rows name are looked up by primary key, one pass per
-- reference; those the transaction already holds (created or locked by it) are counted as they
-- are, the rest KEY SHARE-locked, as a foreign key locks them; any key neither held nor
-- lockable does not exist, and the statement fails with foreign_key_violation naming the
-- foreign key it replaces. The referenced side refuses a delete, a key update or a truncate
-- that would orphan rows, as the foreign keys' NO ACTION did. The triggers are created before
-- the foreign keys go, in the migration's one transaction, so no write is left unchecked.
CREATE FUNCTION "telephone_numbers_check_references"() RETURNS trigger LANGUAGE plpgsql
  SET enable_hashjoin = off SET enable_mergejoin = off AS $$
DECLARE
  me xid := pg_current_xact_id()::xid;
  missing bigint;
  example record;
BEGIN
  WITH ids AS (SELECT DISTINCT "operator_id" AS id FROM new_numbers),
    seen AS MATERIALIZED (
      SELECT o."id", o.xmin = me OR o.xmax = me AS held FROM ids JOIN "operators" o ON o."id" = ids.id),
    locked AS (
      SELECT o."id" FROM "operators" o WHERE o."id" IN (SELECT id FROM seen WHERE NOT held)
      FOR KEY SHARE)
  SELECT (SELECT count(*) FROM ids) - (SELECT count(*) FROM seen WHERE held)
         - (SELECT count(*) FROM locked)
    INTO missing;
  IF missing > 0 THEN
    SELECT n."e164", n."operator_id" INTO example FROM new_numbers n
      WHERE NOT EXISTS (SELECT 1 FROM "operators" o WHERE o."id" = n."operator_id") LIMIT 1;
    RAISE EXCEPTION 'telephone number % names an operator (%) that does not exist',
      example."e164", example."operator_id"
      USING ERRCODE = 'foreign_key_violation',
        CONSTRAINT = 'telephone_numbers_operator_id_operators_id_fk', TABLE = 'telephone_numbers';
  END IF;
  WITH ids AS (
      SELECT DISTINCT "customer_id" AS id, "operator_id" FROM new_numbers
      WHERE "customer_id" IS NOT NULL),
    seen AS MATERIALIZED (
      SELECT c."id", c.xmin = me OR c.xmax = me AS held
      FROM ids JOIN "customers" c ON c."id" = ids.id AND c."operator_id" = ids."operator_id"),
    locked AS (
      SELECT c."id" FROM "customers" c WHERE c."id" IN (SELECT id FROM seen WHERE NOT held)
      FOR KEY SHARE)
  SELECT (SELECT count(*) FROM ids) - (SELECT count(*) FROM seen WHERE held)
         - (SELECT count(*) FROM locked)
    INTO missing;
  IF missing > 0 THEN
    SELECT n."e164", n."customer_id", n."operator_id" INTO example FROM new_numbers n
      WHERE n."customer_id" IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM "customers" c
        WHERE c."id" = n."customer_id" AND c."operator_id" = n."operator_id")
      LIMIT 1;
    RAISE EXCEPTION 'telephone number % names a customer (%) that is not its operator''s (%) or does not exist',
      example."e164", example."customer_id", example."operator_id"
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'telephone_numbers_customer_fk',
        TABLE = 'telephone_numbers';
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "telephone_numbers_references_insert" AFTER INSERT ON "telephone_numbers"
  REFERENCING NEW TABLE AS new_numbers
  FOR EACH STATEMENT EXECUTE FUNCTION "telephone_numbers_check_references"();--> statement-breakpoint
-- An update is checked only where it changes a reference's key, and only that reference (as a
-- foreign key is): a status change, or a customer cleared, locks nothing more than it did.
CREATE FUNCTION "telephone_numbers_check_references_row"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD."operator_id" IS DISTINCT FROM NEW."operator_id" THEN
    PERFORM 1 FROM "operators" o WHERE o."id" = NEW."operator_id" FOR KEY SHARE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'telephone number % names an operator (%) that does not exist',
        NEW."e164", NEW."operator_id"
        USING ERRCODE = 'foreign_key_violation',
          CONSTRAINT = 'telephone_numbers_operator_id_operators_id_fk', TABLE = 'telephone_numbers';
    END IF;
  END IF;
  IF NEW."customer_id" IS NOT NULL AND (OLD."customer_id", OLD."operator_id")
      IS DISTINCT FROM (NEW."customer_id", NEW."operator_id") THEN
    PERFORM 1 FROM "customers" c
      WHERE c."id" = NEW."customer_id" AND c."operator_id" = NEW."operator_id" FOR KEY SHARE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'telephone number % names a customer (%) that is not its operator''s (%) or does not exist',
        NEW."e164", NEW."customer_id", NEW."operator_id"
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'telephone_numbers_customer_fk',
          TABLE = 'telephone_numbers';
    END IF;
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "telephone_numbers_references_update" AFTER UPDATE OF "operator_id", "customer_id"
  ON "telephone_numbers" FOR EACH ROW
  WHEN (OLD."operator_id" IS DISTINCT FROM NEW."operator_id"
        OR OLD."customer_id" IS DISTINCT FROM NEW."customer_id")
  EXECUTE FUNCTION "telephone_numbers_check_references_row"();--> statement-breakpoint
CREATE FUNCTION "number_status_history_check_references"() RETURNS trigger LANGUAGE plpgsql
  SET enable_hashjoin = off SET enable_mergejoin = off AS $$
DECLARE
  me xid := pg_current_xact_id()::xid;
  missing bigint;
  example record;
BEGIN
  WITH ids AS (SELECT DISTINCT "number_id" AS id FROM new_history),
    seen AS MATERIALIZED (
      SELECT t."id", t.xmin = me OR t.xmax = me AS held
      FROM ids JOIN "telephone_numbers" t ON t."id" = ids.id),
    locked AS (
      SELECT t."id" FROM "telephone_numbers" t WHERE t."id" IN (SELECT id FROM seen WHERE NOT held)
      FOR KEY SHARE)
  SELECT (SELECT count(*) FROM ids) - (SELECT count(*) FROM seen WHERE held)
         - (SELECT count(*) FROM locked)
    INTO missing;
  IF missing > 0 THEN
    SELECT h."number_id" INTO example FROM new_history h
      WHERE NOT EXISTS (SELECT 1 FROM "telephone_numbers" t WHERE t."id" = h."number_id") LIMIT 1;
    RAISE EXCEPTION 'number_status_history row names a number (%) that does not exist',
      example."number_id"
      USING ERRCODE = 'foreign_key_violation',
        CONSTRAINT = 'number_status_history_number_id_telephone_numbers_id_fk',
        TABLE = 'number_status_history';
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "number_status_history_references_insert" AFTER INSERT ON "number_status_history"
  REFERENCING NEW TABLE AS new_history
  FOR EACH STATEMENT EXECUTE FUNCTION "number_status_history_check_references"();--> statement-breakpoint
CREATE FUNCTION "number_status_history_refuse_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM "telephone_numbers" t WHERE t."id" = NEW."number_id" FOR KEY SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'number_status_history row names a number (%) that does not exist',
      NEW."number_id"
      USING ERRCODE = 'foreign_key_violation',
        CONSTRAINT = 'number_status_history_number_id_telephone_numbers_id_fk',
        TABLE = 'number_status_history';
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "number_status_history_references_update" AFTER UPDATE OF "number_id"
  ON "number_status_history" FOR EACH ROW WHEN (OLD."number_id" IS DISTINCT FROM NEW."number_id")
  EXECUTE FUNCTION "number_status_history_refuse_update"();--> statement-breakpoint
-- The referenced side: a row whose key some rows name cannot be deleted or given another key
-- (a foreign key's NO ACTION). As in 0003, the check runs after the row changed, with a
-- snapshot taken then: in READ COMMITTED it sees every referencing row committed by a
-- transaction the delete waited for (the inserting side KEY SHARE-locks what it names). A
-- transaction-wide snapshot (REPEATABLE READ, SERIALIZABLE) would not, so such deletes are
-- refused outright. Arguments: the referencing table, its key columns, the referenced key
-- columns (same order), the constraint named in the error.
CREATE FUNCTION "refuse_orphaned_references"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  referencing text[] := string_to_array(TG_ARGV[1], ',');
  referenced text[] := string_to_array(TG_ARGV[2], ',');
  old_row jsonb := to_jsonb(OLD);
  new_row jsonb := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(NEW) END;
  condition text := '';
  found_one boolean;
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NOT EXISTS (SELECT 1 FROM unnest(referenced) k WHERE old_row -> k IS DISTINCT FROM new_row -> k) THEN
      RETURN NULL;
    END IF;
  END IF;
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION '% of % only in a READ COMMITTED transaction', lower(TG_OP), TG_TABLE_NAME
      USING ERRCODE = 'feature_not_supported';
  END IF;
  FOR i IN 1 .. array_length(referencing, 1) LOOP
    condition := condition || CASE WHEN i > 1 THEN ' AND ' ELSE '' END
      || format('%I = %L', referencing[i], old_row ->> referenced[i]);
  END LOOP;
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %s)', TG_ARGV[0], condition) INTO found_one;
  IF found_one THEN
    RAISE EXCEPTION '% of % (%) would orphan % rows', lower(TG_OP), TG_TABLE_NAME,
      old_row ->> referenced[1], TG_ARGV[0]
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_ARGV[3], TABLE = TG_ARGV[0];
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "operators_numbers_references" AFTER DELETE OR UPDATE OF "id" ON "operators"
  FOR EACH ROW EXECUTE FUNCTION "refuse_orphaned_references"('telephone_numbers', 'operator_id', 'id',
    'telephone_numbers_operator_id_operators_id_fk');--> statement-breakpoint
CREATE TRIGGER "customers_numbers_references" AFTER DELETE OR UPDATE OF "id", "operator_id" ON "customers"
  FOR EACH ROW EXECUTE FUNCTION "refuse_orphaned_references"('telephone_numbers',
    'customer_id,operator_id', 'id,operator_id', 'telephone_numbers_customer_fk');--> statement-breakpoint
CREATE TRIGGER "telephone_numbers_history_references" AFTER DELETE OR UPDATE OF "id" ON "telephone_numbers"
  FOR EACH ROW EXECUTE FUNCTION "refuse_orphaned_references"('number_status_history', 'number_id',
    'id', 'number_status_history_number_id_telephone_numbers_id_fk');--> statement-breakpoint
-- TRUNCATE fires no row triggers; a foreign key refuses it unless the referencing table goes in
-- the same command (or CASCADE adds it). These run after the command's tables are all emptied
-- and refuse it (rolling it back) if any referencing row is left: truncate the referencing
-- table in the same command; CASCADE no longer adds it.
CREATE FUNCTION "refuse_orphaning_truncate"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  found_one boolean;
BEGIN
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', TG_ARGV[0]) INTO found_one;
  IF found_one THEN
    RAISE EXCEPTION 'truncate % would orphan % rows', TG_TABLE_NAME, TG_ARGV[0]
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = TG_ARGV[1], TABLE = TG_ARGV[0];
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "operators_numbers_truncate" AFTER TRUNCATE ON "operators"
  FOR EACH STATEMENT EXECUTE FUNCTION "refuse_orphaning_truncate"('telephone_numbers',
    'telephone_numbers_operator_id_operators_id_fk');--> statement-breakpoint
CREATE TRIGGER "customers_numbers_truncate" AFTER TRUNCATE ON "customers"
  FOR EACH STATEMENT EXECUTE FUNCTION "refuse_orphaning_truncate"('telephone_numbers',
    'telephone_numbers_customer_fk');--> statement-breakpoint
CREATE TRIGGER "telephone_numbers_history_truncate" AFTER TRUNCATE ON "telephone_numbers"
  FOR EACH STATEMENT EXECUTE FUNCTION "refuse_orphaning_truncate"('number_status_history',
    'number_status_history_number_id_telephone_numbers_id_fk');--> statement-breakpoint
ALTER TABLE "number_status_history" DROP CONSTRAINT "number_status_history_number_id_telephone_numbers_id_fk";
--> statement-breakpoint
ALTER TABLE "telephone_numbers" DROP CONSTRAINT "telephone_numbers_operator_id_operators_id_fk";
--> statement-breakpoint
ALTER TABLE "telephone_numbers" DROP CONSTRAINT "telephone_numbers_customer_fk";
