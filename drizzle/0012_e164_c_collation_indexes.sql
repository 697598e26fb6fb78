-- E.164 numbers sort and compare byte by byte (collation "C") instead of by the database's
-- locale (docs/architecture.md, "Numbers compare as bytes"). They are '+' and digits, so the order
-- is the same; what changes is the cost: a locale comparison calls strcoll, and Postgres sorts
-- such text without abbreviated keys. Release one of two: the indexes the column will have,
-- built CONCURRENTLY beside the ones it has (writes go on while they build); 0013 then swaps
-- them in under a lock held for milliseconds.
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "telephone_numbers_e164_c" ON "telephone_numbers" USING btree ("e164" COLLATE "C");--> statement-breakpoint
CREATE INDEX CONCURRENTLY IF NOT EXISTS "telephone_numbers_customer_c" ON "telephone_numbers" USING btree ("customer_id", "e164" COLLATE "C");--> statement-breakpoint
CREATE INDEX CONCURRENTLY IF NOT EXISTS "telephone_numbers_operator_status_c" ON "telephone_numbers" USING btree ("operator_id", "status", "e164" COLLATE "C");--> statement-breakpoint
CREATE INDEX CONCURRENTLY IF NOT EXISTS "telephone_numbers_operator_e164_c" ON "telephone_numbers" USING btree ("operator_id", "e164" COLLATE "C");
