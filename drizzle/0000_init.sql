CREATE TYPE "public"."api_key_role" AS ENUM('operator', 'admin');--> statement-breakpoint
CREATE TYPE "public"."item_outcome" AS ENUM('SUCCEEDED', 'NUMBER_NOT_FOUND', 'NOT_OPERATOR_CONNECT_CUSTOMER', 'INVALID_STATUS');--> statement-breakpoint
CREATE TYPE "public"."job_state" AS ENUM('queued', 'active', 'completed', 'cancelled', 'failed');--> statement-breakpoint
CREATE TYPE "public"."number_status" AS ENUM('Active', 'ReleaseRequested', 'MarkedForRemoval', 'ReadyForRemoval');--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"operator_id" uuid NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"role" "api_key_role" DEFAULT 'operator' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "customers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"operator_id" uuid NOT NULL,
	"ms_tenant_id" uuid NOT NULL,
	"operator_connect" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "customers_operator_tenant_uq" UNIQUE("operator_id","ms_tenant_id"),
	CONSTRAINT "customers_id_operator_uq" UNIQUE("id","operator_id")
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"operator_id" uuid NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"job_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_pk" PRIMARY KEY("operator_id","key")
);
--> statement-breakpoint
CREATE TABLE "job_items" (
	"job_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"telephone_number" text NOT NULL,
	"number_id" bigint,
	"outcome" "item_outcome" NOT NULL,
	"current_status" "number_status",
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "job_items_pk" PRIMARY KEY("job_id","position")
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"operator_id" uuid NOT NULL,
	"api_key_id" uuid,
	"operation" text DEFAULT 'ready-for-removal' NOT NULL,
	"state" "job_state" DEFAULT 'queued' NOT NULL,
	"telephone_numbers" text[] NOT NULL,
	"requested_count" integer NOT NULL,
	"processed_count" integer DEFAULT 0 NOT NULL,
	"success_count" integer DEFAULT 0 NOT NULL,
	"trace_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"cancel_requested_at" timestamp with time zone,
	"result" jsonb,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "number_status_history" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "number_status_history_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"number_id" bigint NOT NULL,
	"job_id" uuid,
	"from_status" "number_status",
	"to_status" "number_status" NOT NULL,
	"actor" text NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "operators" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "operators_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "telephone_numbers" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "telephone_numbers_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"e164" text NOT NULL,
	"operator_id" uuid NOT NULL,
	"customer_id" uuid,
	"status" "number_status" NOT NULL,
	"assignable" boolean DEFAULT true NOT NULL,
	"confirmed_for_removal_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "telephone_numbers_e164_unique" UNIQUE("e164")
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customers" ADD CONSTRAINT "customers_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_items" ADD CONSTRAINT "job_items_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_items" ADD CONSTRAINT "job_items_number_id_telephone_numbers_id_fk" FOREIGN KEY ("number_id") REFERENCES "public"."telephone_numbers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_api_key_id_api_keys_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "number_status_history" ADD CONSTRAINT "number_status_history_number_id_telephone_numbers_id_fk" FOREIGN KEY ("number_id") REFERENCES "public"."telephone_numbers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "number_status_history" ADD CONSTRAINT "number_status_history_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "telephone_numbers" ADD CONSTRAINT "telephone_numbers_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "telephone_numbers" ADD CONSTRAINT "telephone_numbers_customer_fk" FOREIGN KEY ("customer_id","operator_id") REFERENCES "public"."customers"("id","operator_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_operator_idx" ON "api_keys" USING btree ("operator_id");--> statement-breakpoint
CREATE INDEX "job_items_outcome_idx" ON "job_items" USING btree ("job_id","outcome","position");--> statement-breakpoint
CREATE INDEX "jobs_operator_created_idx" ON "jobs" USING btree ("operator_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "jobs_operator_state_created_idx" ON "jobs" USING btree ("operator_id","state","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "jobs_unfinished_idx" ON "jobs" USING btree ("created_at") WHERE "jobs"."state" in ('queued', 'active');--> statement-breakpoint
CREATE INDEX "number_status_history_number_idx" ON "number_status_history" USING btree ("number_id","changed_at");--> statement-breakpoint
CREATE INDEX "number_status_history_job_idx" ON "number_status_history" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "telephone_numbers_customer_idx" ON "telephone_numbers" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "telephone_numbers_operator_status_idx" ON "telephone_numbers" USING btree ("operator_id","status");