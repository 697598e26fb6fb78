ALTER TABLE "api_keys" ALTER COLUMN "operator_id" DROP NOT NULL;--> statement-breakpoint
-- Admin keys become the platform role they always acted as (they already saw every operator's
-- jobs); from now on they cannot call the operator API. Hand-added before the check below.
UPDATE "api_keys" SET "operator_id" = NULL WHERE "role" = 'admin';--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_admin_has_no_operator" CHECK (("api_keys"."role" = 'admin') = ("api_keys"."operator_id" is null));