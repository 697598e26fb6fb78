-- Retention's two lookups by age (src/jobs/retention.ts): the expired Idempotency-Key records
-- and the ended jobs older than JOB_RETENTION_DAYS. Built CONCURRENTLY: writes to both tables go on
-- while they build (docs/operations.md, "Migrations on a running service").
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idempotency_keys_created_idx" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX CONCURRENTLY IF NOT EXISTS "jobs_ended_finished_idx" ON "jobs" USING btree ("finished_at") WHERE "jobs"."state" in ('completed', 'cancelled', 'failed');
