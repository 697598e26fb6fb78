-- What deleting jobs costs with and without idempotency_keys_job_idx (drizzle/0004), on a
-- scratch database at the current schema (docs/performance.md, "Deleting jobs"):
--   createdb -h 127.0.0.1 -U postgres ocn_probe
--   DATABASE_URL=postgres://postgres@127.0.0.1:5432/ocn_probe npm run db:migrate
--   psql -h 127.0.0.1 -U postgres -d ocn_probe -f bench/job-delete.sql
--   dropdb -h 127.0.0.1 -U postgres ocn_probe
-- 400,000 jobs with an Idempotency-Key each (about a day of keys at 300 requests a minute),
-- then 200 jobs without one deleted, as retention deletes ended jobs whose keys expired: each
-- deleted job makes the foreign key look for keys naming it. Every delete is rolled back.
\set ON_ERROR_STOP on
insert into operators (slug) values ('job-delete-probe');
insert into jobs (id, operator_id, telephone_numbers, requested_count, state)
  select gen_random_uuid(), (select id from operators where slug = 'job-delete-probe'),
         '{+14255550100}', 1, 'completed'
  from generate_series(1, 400000);
insert into idempotency_keys (operator_id, key, request_hash, job_id)
  select operator_id, 'key-' || id, 'hash', id from jobs;
create temp table doomed as select gen_random_uuid() as id from generate_series(1, 200);
insert into jobs (id, operator_id, telephone_numbers, requested_count, state)
  select id, (select id from operators where slug = 'job-delete-probe'), '{+14255550100}', 1,
         'completed'
  from doomed;
vacuum analyze jobs;
vacuum analyze idempotency_keys;
\timing on
\echo with the index: 200 jobs deleted, twice
begin; delete from jobs where id in (select id from doomed); rollback;
begin; delete from jobs where id in (select id from doomed); rollback;
\echo with the index: the keys of one job deleted (removeUntouchedJob), twice
begin; delete from idempotency_keys where job_id = (select id from doomed limit 1); rollback;
begin; delete from idempotency_keys where job_id = (select id from doomed limit 1); rollback;
\timing off
drop index idempotency_keys_job_idx;
\timing on
\echo without it: 200 jobs deleted, twice
begin; delete from jobs where id in (select id from doomed); rollback;
begin; delete from jobs where id in (select id from doomed); rollback;
\echo without it: the keys of one job deleted, twice
begin; delete from idempotency_keys where job_id = (select id from doomed limit 1); rollback;
begin; delete from idempotency_keys where job_id = (select id from doomed limit 1); rollback;
\timing off
create index idempotency_keys_job_idx on idempotency_keys (job_id);
