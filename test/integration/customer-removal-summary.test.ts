import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/client.ts';
import {
  type CustomerSummaryRow,
  removalSummaryByCustomer,
} from '../../src/numbers/number-counts.ts';
import { useTestDatabase } from '../support/database.ts';
import { createCustomer, createNumbers, createOperator } from '../support/factories.ts';

// The console overview's summary per customer reads number_counts: it must equal counting the
// rows, in its order (most waiting first, then tenant id), page after page by its position,
// with only the operator's customers that have numbers waiting or confirmed.

const t = useTestDatabase();

/** The truth: the rows counted, in the summary's order. */
async function truthOf(operatorId: string): Promise<CustomerSummaryRow[]> {
  return t.sql<CustomerSummaryRow[]>`
    select c.ms_tenant_id::text as "msTenantId",
           (count(*) filter (where n.status = 'MarkedForRemoval'))::int as marked,
           (count(*) filter (where n.status = 'ReadyForRemoval'))::int as ready
    from telephone_numbers n join customers c on c.id = n.customer_id
    where n.operator_id = ${operatorId} and n.status in ('MarkedForRemoval', 'ReadyForRemoval')
    group by c.ms_tenant_id
    order by marked desc, c.ms_tenant_id`;
}

/** Every page of `limit`, each from the last row of the one before. */
async function allPages(sql: Sql, operatorId: string, limit: number) {
  const rows: CustomerSummaryRow[] = [];
  const totals = new Set<number>();
  let after: { marked: number; msTenantId: string } | undefined;
  for (let pages = 1; ; pages++) {
    const page = await removalSummaryByCustomer(sql, operatorId, {
      limit,
      ...(after && { after }),
    });
    expect(page.rows.length).toBeLessThanOrEqual(limit);
    rows.push(...page.rows);
    totals.add(page.customers);
    const last = page.rows.at(-1);
    if (!page.hasMore || !last) return { rows, totals, pages };
    after = { marked: last.marked, msTenantId: last.msTenantId };
  }
}

async function inventory() {
  const op = await createOperator(t.db);
  // Marked, ready counts per customer: ties on marked, one with only ready numbers, one with
  // none of either (left out), one with no numbers at all (left out).
  const shape = [
    [5, 1],
    [5, 0],
    [3, 4],
    [0, 2],
    [5, 5],
    [1, 0],
    [0, 0],
  ];
  for (const [marked, ready] of shape) {
    const c = await createCustomer(t.db, op.id);
    const base = { operatorId: op.id, customerId: c.id };
    if (marked) await createNumbers(t.db, { ...base, status: 'MarkedForRemoval', count: marked });
    if (ready) await createNumbers(t.db, { ...base, status: 'ReadyForRemoval', count: ready });
    await createNumbers(t.db, { ...base, status: 'Active', count: 2 });
  }
  await createCustomer(t.db, op.id);
  // Numbers without a customer are in the operator's summary, not in any customer's.
  await createNumbers(t.db, { operatorId: op.id, customerId: null, status: 'MarkedForRemoval' });
  return op;
}

describe('removal summary per customer', () => {
  it('equals counting the rows, page after page, and follows changes', async () => {
    const op = await inventory();
    const stranger = await inventory();
    let truth = await truthOf(op.id);
    expect(truth).toHaveLength(6);
    for (const limit of [1, 2, 4, 50]) {
      const { rows, totals, pages } = await allPages(t.sql, op.id, limit);
      expect(rows, `limit ${limit}`).toEqual(truth);
      expect([...totals]).toEqual([6]);
      expect(pages).toBe(Math.max(1, Math.ceil(6 / limit)));
    }
    // Past the last customer: nothing, and still the count of them all.
    const last = truth.at(-1) as CustomerSummaryRow;
    const past = await removalSummaryByCustomer(t.sql, op.id, { limit: 3, after: last });
    expect(past).toEqual({ rows: [], customers: 6, hasMore: false });

    // Confirmations and a customer's numbers moving to another customer, through the triggers.
    await t.sql`update telephone_numbers set status = 'ReadyForRemoval'
                where operator_id = ${op.id} and status = 'MarkedForRemoval'
                  and id in (select id from telephone_numbers where operator_id = ${op.id}
                             and status = 'MarkedForRemoval' order by e164 limit 6)`;
    await t.sql`update telephone_numbers set status = 'Active'
                where operator_id = ${op.id} and status = 'ReadyForRemoval'
                  and id in (select id from telephone_numbers where operator_id = ${op.id}
                             and status = 'ReadyForRemoval' order by e164 desc limit 3)`;
    truth = await truthOf(op.id);
    expect((await allPages(t.sql, op.id, 2)).rows).toEqual(truth);
    expect((await allPages(t.sql, stranger.id, 50)).rows).toEqual(await truthOf(stranger.id));

    // An operator without customers, and one that is not there.
    const empty = await createOperator(t.db);
    expect(await removalSummaryByCustomer(t.sql, empty.id, { limit: 5 })).toEqual({
      rows: [],
      customers: 0,
      hasMore: false,
    });
  });

  it('counts the rows, exactly the same, until the counters are backfilled', async () => {
    const op = await inventory();
    const truth = await truthOf(op.id);
    await t.sql`delete from schema_backfills`;
    await t.sql`delete from number_counts`;
    // A pool remembers only completion: a fresh one sees the backfill missing.
    const fresh = postgres(t.url, { max: 1, onnotice: () => {} });
    try {
      expect((await allPages(fresh, op.id, 4)).rows).toEqual(truth);
    } finally {
      await fresh.end();
    }
  });
});
