-- Nullable, no default: a catalog-only change, no table rewrite and only a brief lock.
ALTER TABLE "jobs" ADD COLUMN "trace_span_id" text;
