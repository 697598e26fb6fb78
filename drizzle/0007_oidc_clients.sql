CREATE TABLE "oidc_clients" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"operator_id" uuid,
	"role" "api_key_role" DEFAULT 'operator' NOT NULL,
	"issuer" text NOT NULL,
	"client_id" text NOT NULL,
	"tenant_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "oidc_clients_admin_has_no_operator" CHECK (("oidc_clients"."role" = 'admin') = ("oidc_clients"."operator_id" is null))
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "client_principal" text;--> statement-breakpoint
ALTER TABLE "oidc_clients" ADD CONSTRAINT "oidc_clients_operator_id_operators_id_fk" FOREIGN KEY ("operator_id") REFERENCES "public"."operators"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "oidc_clients_operator_idx" ON "oidc_clients" USING btree ("operator_id");--> statement-breakpoint
CREATE UNIQUE INDEX "oidc_clients_client_uq" ON "oidc_clients" USING btree ("issuer","client_id",coalesce("tenant_id", ''));