CREATE TABLE "number_counts" (
	"operator_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"status" "number_status" NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "number_counts_pk" PRIMARY KEY("operator_id","customer_id","status")
);
--> statement-breakpoint
CREATE TABLE "schema_backfills" (
	"name" text PRIMARY KEY NOT NULL,
	"completed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Hand-written (Drizzle does not model triggers): number_counts follows every change of
-- telephone_numbers in the same transaction. One trigger per event and per statement, with
-- transition tables: a statement's rows are summed per (operator, customer, status) first, so a
-- worker's 250-number chunk or an import's batch writes a few counter rows, not one per number,
-- and the transition code needs no change. The counter rows are written in key order, so two
-- transactions that touch the same ones queue up instead of deadlocking. A number without a
-- customer counts under the nil UUID.
CREATE FUNCTION "number_counts_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "number_counts" AS k ("operator_id", "customer_id", "status", "count")
      SELECT "operator_id", coalesce("customer_id", '00000000-0000-0000-0000-000000000000'),
             "status", count(*)
      FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
      ON CONFLICT ("operator_id", "customer_id", "status")
      DO UPDATE SET "count" = k."count" + excluded."count";
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO "number_counts" AS k ("operator_id", "customer_id", "status", "count")
      SELECT "operator_id", coalesce("customer_id", '00000000-0000-0000-0000-000000000000'),
             "status", -count(*)
      FROM old_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
      ON CONFLICT ("operator_id", "customer_id", "status")
      DO UPDATE SET "count" = k."count" + excluded."count";
  ELSE
    -- Only the rows whose key changed; an update that moves nothing writes nothing.
    INSERT INTO "number_counts" AS k ("operator_id", "customer_id", "status", "count")
      SELECT "operator_id", coalesce("customer_id", '00000000-0000-0000-0000-000000000000'),
             "status", sum(d)
      FROM (SELECT "operator_id", "customer_id", "status", -1 AS d FROM old_rows
            UNION ALL
            SELECT "operator_id", "customer_id", "status", 1 FROM new_rows) AS delta
      GROUP BY 1, 2, 3 HAVING sum(d) <> 0 ORDER BY 1, 2, 3
      ON CONFLICT ("operator_id", "customer_id", "status")
      DO UPDATE SET "count" = k."count" + excluded."count";
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "number_counts_insert" AFTER INSERT ON "telephone_numbers"
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "number_counts_apply"();--> statement-breakpoint
CREATE TRIGGER "number_counts_update" AFTER UPDATE ON "telephone_numbers"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "number_counts_apply"();--> statement-breakpoint
CREATE TRIGGER "number_counts_delete" AFTER DELETE ON "telephone_numbers"
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "number_counts_apply"();--> statement-breakpoint
CREATE FUNCTION "number_counts_truncate"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "number_counts";
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "number_counts_truncate" AFTER TRUNCATE ON "telephone_numbers"
  FOR EACH STATEMENT EXECUTE FUNCTION "number_counts_truncate"();--> statement-breakpoint
-- The counts of numbers that existed before the triggers are filled in afterwards, one
-- customer at a time, without blocking the service (src/db/migrations/number-counts-backfill.ts,
-- run by `db migrate`); until then the reads count rows as before. An inventory that is empty
-- now (a new installation) needs no backfill: CREATE TRIGGER above took a lock that waited for
-- every open write to telephone_numbers, so nothing can be missing.
INSERT INTO "schema_backfills" ("name")
  SELECT 'number_counts' WHERE NOT EXISTS (SELECT 1 FROM "telephone_numbers");
