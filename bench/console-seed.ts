import type { Sql } from '../src/db/client.ts';
import { backfillNumberCounts } from '../src/db/migrations/number-counts-backfill.ts';
import { generateApiKey } from '../src/keys/api-key.ts';

// The console bench's inventories: one operator per size, each `customers` customers with the
// numbers spread round robin, a third each Active, MarkedForRemoval, ReadyForRemoval. Each
// operator is found again by its slug, so a kept database (--database) is seeded once per size
// and reused by every later run. Seeding is set-based and as cheap as loading gets: in one
// transaction with row triggers and reference checks off (session_replication_role, as the
// scale part does), the list's secondary indexes dropped and built again after the load (a
// sort, instead of millions of scattered inserts); then number_counts is filled by the same
// backfill an upgraded inventory gets, and the table is vacuumed (visibility map, statistics).

export interface ConsoleInventory {
  operatorId: string;
  /** An operator key made for this run (only its hash is stored). */
  apiKey: string;
  /** One customer's tenant id, for the one-customer page. */
  msTenantId: string;
}

const STEP = 1_000_000;

export async function consoleInventory(
  sql: Sql,
  size: number,
  customers: number,
  log: (line: string) => void,
): Promise<ConsoleInventory> {
  const slug = `bench-console-${size}-${customers}`;
  let [op] = await sql<{ id: string }[]>`select id from operators where slug = ${slug}`;
  if (op) {
    log(`reusing the ${size.toLocaleString('en')}-number inventory (${slug})`);
  } else {
    const started = performance.now();
    op = await seed(sql, slug, size, customers, log);
    log(`  seeded in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  // Until its backfill completes the reads count rows: never measure that state.
  const backfill = performance.now();
  if ((await backfillNumberCounts(sql)) !== undefined) {
    log(`  counters backfilled in ${((performance.now() - backfill) / 1000).toFixed(0)} s`);
    await sql`vacuum (analyze) telephone_numbers, number_counts`;
  }
  const [first] = await sql<{ msTenantId: string }[]>`
    select ms_tenant_id::text as "msTenantId" from customers where operator_id = ${op.id}
    order by ms_tenant_id limit 1`;
  const key = generateApiKey();
  await sql`insert into api_keys (operator_id, prefix, key_hash, role)
            values (${op.id}, ${key.prefix}, ${key.hash}, 'operator')`;
  return { operatorId: op.id, apiKey: key.key, msTenantId: first?.msTenantId ?? '' };
}

async function seed(
  sql: Sql,
  slug: string,
  size: number,
  customers: number,
  log: (l: string) => void,
) {
  // Each operator its own area code, so numbers never collide between sizes.
  const [{ n: others } = { n: 0 }] = await sql<{ n: number }[]>`
    select count(*)::int as n from operators where slug like 'bench-console-%'`;
  const prefix = `+1${300 + others}`;
  const op = await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    const [row] = await tx<
      { id: string }[]
    >`insert into operators (slug) values (${slug}) returning id`;
    const operatorId = row?.id as string;
    await tx`
      insert into customers (operator_id, ms_tenant_id, operator_connect)
      select ${operatorId}, gen_random_uuid(), true from generate_series(1, ${customers}::int)`;
    const indexes = await tx<{ name: string; definition: string }[]>`
      select indexname as name, indexdef as definition from pg_indexes
      where tablename = 'telephone_numbers' and indexname not in (
        select conname from pg_constraint where conrelid = 'telephone_numbers'::regclass)`;
    for (const { name } of indexes) await tx`drop index ${tx(name)}`;
    for (let from = 0; from < size; from += STEP) {
      const to = Math.min(size, from + STEP) - 1;
      await tx`
        with c as (select array_agg(id order by id) as ids from customers
                   where operator_id = ${operatorId})
        insert into telephone_numbers (e164, operator_id, customer_id, status)
        select ${prefix} || lpad(g::text, 7, '0'), ${operatorId}, c.ids[g % ${customers} + 1],
               (array['Active', 'MarkedForRemoval', 'ReadyForRemoval'])[1 + g % 3]::number_status
        from c, generate_series(${from}::int, ${to}::int) as g`;
      log(`  numbers: ${(to + 1).toLocaleString('en')} of ${size.toLocaleString('en')}`);
    }
    await tx`set local maintenance_work_mem = '256MB'`;
    for (const { name, definition } of indexes) {
      await tx.unsafe(definition);
      log(`  index ${name} built`);
    }
    // Its counters are recounted by the backfill.
    await tx`delete from schema_backfills where name = 'number_counts'`;
    return row;
  });
  if (!op) throw new Error('operator not seeded');
  return op;
}
