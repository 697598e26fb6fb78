CREATE TABLE "webhook_deliveries" (
	"message_id" uuid NOT NULL,
	"endpoint_id" uuid NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	-- Attempts stop at 8 and an HTTP status has three digits: an int cannot overflow here.
	-- squawk-ignore prefer-bigint-over-int
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"relayed_at" timestamp with time zone,
	"last_attempt_at" timestamp with time zone,
	-- squawk-ignore prefer-bigint-over-int
	"response_status" integer,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_deliveries_pk" PRIMARY KEY("message_id","endpoint_id"),
	CONSTRAINT "webhook_deliveries_state" CHECK ("webhook_deliveries"."state" in ('pending', 'succeeded', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "webhook_endpoints" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"operator_id" uuid NOT NULL,
	"url" text NOT NULL,
	"events" text[] NOT NULL,
	"description" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"disabled_reason" text,
	"secret" text NOT NULL,
	"previous_secret" text,
	"previous_secret_expires_at" timestamp with time zone,
	"failing_since" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"operator_id" uuid NOT NULL,
	"job_id" uuid NOT NULL,
	"type" text NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_message_id_webhook_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."webhook_messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_webhook_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."webhook_endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhook_deliveries_endpoint_idx" ON "webhook_deliveries" USING btree ("endpoint_id","created_at" DESC NULLS LAST,"message_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "webhook_deliveries_unrelayed_idx" ON "webhook_deliveries" USING btree ("next_attempt_at") WHERE "webhook_deliveries"."state" = 'pending' and "webhook_deliveries"."relayed_at" is null;--> statement-breakpoint
CREATE INDEX "webhook_deliveries_pending_idx" ON "webhook_deliveries" USING btree ("created_at") WHERE "webhook_deliveries"."state" = 'pending';--> statement-breakpoint
CREATE INDEX "webhook_endpoints_operator_idx" ON "webhook_endpoints" USING btree ("operator_id","created_at");--> statement-breakpoint
CREATE INDEX "webhook_messages_job_idx" ON "webhook_messages" USING btree ("job_id");--> statement-breakpoint
-- The outbox (hand-written; Drizzle does not model triggers). Whatever ends a job — the last
-- chunk, a cancel (by request or by a client that went away), the worker's or the recovery
-- sweep's failJob, or code not written yet — does it with one UPDATE of the jobs row that sets
-- an ended state, and this trigger writes the job's message and its deliveries in that same
-- transaction: a crash can neither lose a message of an ended job nor invent one for a job
-- whose end rolled back. A job ends once (an ended state is never left), so it has at most one
-- message. Operators without an enabled endpoint for the event pay one index probe.
CREATE FUNCTION "webhook_messages_for_ended_job"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  event text := 'job.' || NEW."state"::text;
BEGIN
  WITH endpoints AS (
    SELECT e."id" FROM "webhook_endpoints" e
    WHERE e."operator_id" = NEW."operator_id" AND e."enabled" AND event = ANY (e."events")),
  message AS (
    INSERT INTO "webhook_messages" ("operator_id", "job_id", "type", "data")
    SELECT NEW."operator_id", NEW."id", event, jsonb_build_object(
      'jobId', NEW."id", 'operation', NEW."operation", 'state', NEW."state",
      'requestedCount', NEW."requested_count", 'processedCount', NEW."processed_count",
      'successCount', NEW."success_count",
      'failedCount', NEW."processed_count" - NEW."success_count",
      'createdAt', to_char(NEW."created_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'finishedAt', to_char(NEW."finished_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
    WHERE EXISTS (SELECT 1 FROM endpoints)
    RETURNING "id")
  INSERT INTO "webhook_deliveries" ("message_id", "endpoint_id", "next_attempt_at")
  SELECT message."id", endpoints."id", now() FROM message, endpoints;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER "jobs_webhook_outbox" AFTER UPDATE OF "state" ON "jobs"
  FOR EACH ROW
  WHEN (OLD."state" IN ('queued', 'active') AND NEW."state" IN ('completed', 'failed', 'cancelled'))
  EXECUTE FUNCTION "webhook_messages_for_ended_job"();
