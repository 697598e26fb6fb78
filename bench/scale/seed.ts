import type { Sql } from '../../src/db/client.ts';
import { backfillNumberCounts } from '../../src/db/migrations/number-counts-backfill.ts';
import { generateApiKey } from '../../src/keys/api-key.ts';
import type { Tenant } from '../seed.ts';

// A big inventory and ledger in a few set-based statements (generate_series), the same one
// bench/make-inventory-csv.ts writes for one operator: number i is +1206 (2,000,000 + i), of
// customer i mod C (none when i mod 11 = 10), status i mod 4; every 7th customer is not
// Operator Connect. The ledger: completed jobs of 500 numbers each, one a minute back in time.
// Row triggers and reference checks are off while it loads (session_replication_role), then
// number_counts is filled by the same backfill an upgraded inventory gets.

export interface ScaleSize {
  numbers: number;
  customers: number;
  ledgerRows: number;
  jobs: number;
}

export const SCALE_OPERATOR = 'bench-op-0';
const STATUSES = `array['Active','ReleaseRequested','MarkedForRemoval','ReadyForRemoval']::number_status[]`;
const STEP = 500_000;

/** The tenant GUID of customer `c`, as make-inventory-csv.ts writes it. */
export const tenantOf = (c: number) =>
  `00000000-0000-4000-8000-${c.toString(16).padStart(12, '0')}`;

export async function seedScale(sql: Sql, size: ScaleSize, log: (m: string) => void) {
  const key = generateApiKey();
  const [op] = await sql<{ id: string }[]>`
    insert into operators (slug) values (${SCALE_OPERATOR}) returning id`;
  const operatorId = op?.id as string;
  await sql`
    insert into customers (operator_id, ms_tenant_id, operator_connect)
    select ${operatorId}, ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, g % 7 <> 6
    from generate_series(0, ${size.customers - 1}::int) g`;
  const [k] = await sql<{ id: string }[]>`
    insert into api_keys (operator_id, prefix, key_hash, role)
    values (${operatorId}, ${key.prefix}, ${key.hash}, 'operator') returning id`;
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    for (let from = 0; from < size.numbers; from += STEP) {
      const to = Math.min(size.numbers, from + STEP) - 1;
      await tx.unsafe(`
        with c as (select array_agg(id order by ms_tenant_id) as ids from customers)
        insert into telephone_numbers (e164, operator_id, customer_id, status, assignable)
        select '+1206' || lpad((2000000 + g)::text, 7, '0'), '${operatorId}',
               case when g % 11 = 10 then null else c.ids[g % ${size.customers} + 1] end,
               (${STATUSES})[g % 4 + 1], g % 4 <> 3
        from c, generate_series(${from}, ${to}) g`);
      log(`  numbers: ${to + 1}`);
    }
    if (size.ledgerRows === 0) return; // the import-only bench needs no ledger
    const perJob = Math.round(size.ledgerRows / size.jobs);
    await tx`
      insert into jobs (id, operator_id, api_key_id, operation, state, telephone_numbers,
                        requested_count, processed_count, success_count, created_at, started_at,
                        finished_at)
      select gen_random_uuid(), ${operatorId}, ${k?.id as string}, 'ready-for-removal', 'completed',
             '{}', ${perJob}, ${perJob}, ${perJob / 4}, t, t, t
      from generate_series(1, ${size.jobs}::int) g, lateral (select now() - g * interval '1 minute' as t) x`;
    const jobsPerStep = Math.max(1, Math.floor(STEP / perJob) * 2);
    for (let from = 0; from < size.jobs; from += jobsPerStep) {
      await tx.unsafe(`
        with js as (select id, created_at, row_number() over (order by created_at desc) - 1 as k from jobs),
        rows as (select js.id, js.created_at, p, (js.k * ${perJob} + p) % ${size.numbers} as g
                 from js, generate_series(0, ${perJob - 1}) p
                 where js.k >= ${from} and js.k < ${from + jobsPerStep})
        insert into job_items (job_id, position, telephone_number, number_id, outcome, current_status, processed_at)
        select id, p, '+1206' || lpad((2000000 + g)::text, 7, '0'), g + 1,
               case when g % 4 = 3 then 'SUCCEEDED' else 'INVALID_STATUS' end::item_outcome,
               case when g % 4 = 3 then null else (${STATUSES})[g % 4 + 1] end, created_at
        from rows`);
      log(`  ledger: jobs ${Math.min(size.jobs, from + jobsPerStep)} of ${size.jobs}`);
    }
  });
  const started = performance.now();
  await sql`delete from schema_backfills where name = 'number_counts'`;
  await sql`delete from number_counts`;
  await backfillNumberCounts(sql);
  const backfillS = (performance.now() - started) / 1000;
  await sql`vacuum (analyze)`;
  const tenant: Tenant = {
    operatorId,
    customerId: '',
    apiKeyId: k?.id as string,
    apiKey: key.key,
  };
  return { tenant, backfillS };
}
