DROP INDEX "telephone_numbers_customer_idx";--> statement-breakpoint
DROP INDEX "telephone_numbers_operator_status_idx";--> statement-breakpoint
CREATE INDEX "telephone_numbers_operator_e164_idx" ON "telephone_numbers" USING btree ("operator_id","e164");--> statement-breakpoint
CREATE INDEX "telephone_numbers_customer_idx" ON "telephone_numbers" USING btree ("customer_id","e164");--> statement-breakpoint
CREATE INDEX "telephone_numbers_operator_status_idx" ON "telephone_numbers" USING btree ("operator_id","status","e164");