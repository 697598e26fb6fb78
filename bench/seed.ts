import { randomUUID } from 'node:crypto';
import type { Sql } from '../src/db/client.ts';
import { generateApiKey } from '../src/keys/api-key.ts';

// Set-based seeding: hundreds of thousands of numbers in a few statements, never row by row.

export interface Tenant {
  operatorId: string;
  customerId: string;
  apiKeyId: string;
  /** The secret, for HTTP parts. */
  apiKey: string;
}

export async function seedTenant(sql: Sql): Promise<Tenant> {
  const key = generateApiKey();
  const [row] = await sql<{ operatorId: string; customerId: string; apiKeyId: string }[]>`
    with op as (
      insert into operators (slug) values (${`bench-${randomUUID().slice(0, 8)}`}) returning id
    ), cust as (
      insert into customers (operator_id, ms_tenant_id, operator_connect)
      select id, ${randomUUID()}, true from op returning id
    ), k as (
      insert into api_keys (operator_id, prefix, key_hash, role)
      select id, ${key.prefix}, ${key.hash}, 'operator' from op returning id
    )
    select op.id as "operatorId", cust.id as "customerId", k.id as "apiKeyId" from op, cust, k`;
  if (!row) throw new Error('tenant not seeded');
  return { ...row, apiKey: key.key };
}

/**
 * Hands out disjoint blocks of numbers, +1 206 followed by 7 digits: the same formula in SQL
 * and here, so the bench knows the numbers without reading them back.
 */
export class NumberAllocator {
  #next = 0;

  take(count: number): { start: number; e164s: string[] } {
    const start = this.#next;
    if (start + count > 10_000_000) throw new Error('number space exhausted');
    this.#next += count;
    return { start, e164s: Array.from({ length: count }, (_, i) => e164Of(start + i)) };
  }
}

export function e164Of(n: number): string {
  return `+1206${String(n).padStart(7, '0')}`;
}

/** Inserts `count` fresh MarkedForRemoval numbers of the tenant; returns them in order. */
export async function seedMarkedNumbers(
  sql: Sql,
  allocator: NumberAllocator,
  tenant: Pick<Tenant, 'operatorId' | 'customerId'>,
  count: number,
): Promise<string[]> {
  const { start, e164s } = allocator.take(count);
  await sql`
    insert into telephone_numbers (e164, operator_id, customer_id, status)
    select '+1206' || lpad(g::text, 7, '0'), ${tenant.operatorId}, ${tenant.customerId},
           'MarkedForRemoval'
    from generate_series(${start}::int, ${start + count - 1}::int) as g`;
  return e164s;
}

/** Splits numbers into jobs of `size` (the last one may be shorter). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * `jobs` rows as the API would create them (the ledger and history reference them): one per
 * list of numbers, in the given state. Returns the ids in the same order.
 */
export async function insertJobs(
  sql: Sql,
  tenant: Pick<Tenant, 'operatorId' | 'apiKeyId'>,
  numberLists: readonly string[][],
  state: 'queued' | 'active',
  operation = 'ready-for-removal',
): Promise<string[]> {
  const ids = numberLists.map(() => randomUUID());
  const rows = numberLists.map((numbers, i) => ({
    id: ids[i] as string,
    operator_id: tenant.operatorId,
    operation,
    api_key_id: tenant.apiKeyId,
    state,
    telephone_numbers: `{${numbers.join(',')}}`,
    requested_count: numbers.length,
    started_at: state === 'active' ? new Date().toISOString() : null,
  }));
  for (const batch of chunk(rows, 200)) await sql`insert into jobs ${sql(batch)}`;
  return ids;
}

/**
 * Refuses to start service or worker processes while jobs rows are open: their recovery sweep
 * would re-enqueue them and the part would measure someone else's work.
 */
export async function assertNoOpenJobs(sql: Sql): Promise<void> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from jobs where state in ('queued', 'active')`;
  if (row && row.n > 0) {
    throw new Error(`${row.n} unfinished jobs rows would be re-enqueued by the recovery sweep`);
  }
}
