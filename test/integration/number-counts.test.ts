import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { backfillNumberCounts } from '../../src/db/migrations/number-counts-backfill.ts';
import { countByStatus, countNumbers } from '../../src/numbers/number-counts.ts';
import { useTestDatabase } from '../support/database.ts';
import { createCustomer, createNumbers, createOperator } from '../support/factories.ts';

// number_counts (drizzle/0005_number_counts.sql) must always equal counting the rows: its
// triggers follow inserts, updates (status and customer), deletes and truncates, and the
// backfill of an inventory that predates them is exact even while numbers change under it.

const t = useTestDatabase();
const NIL = '00000000-0000-0000-0000-000000000000';

/** The counters and the rows they count, both as "operator/customer/status → n", zeros left out. */
async function countsAndTruth() {
  const counters = await t.sql<{ key: string; n: string }[]>`
    select operator_id || '/' || customer_id || '/' || status as key, count::text as n
    from number_counts where count <> 0 order by 1`;
  const truth = await t.sql<{ key: string; n: string }[]>`
    select operator_id || '/' || coalesce(customer_id, ${NIL}) || '/' || status as key,
           count(*)::text as n
    from telephone_numbers group by 1 order by 1`;
  return { counters, truth };
}

async function expectExact() {
  const { counters, truth } = await countsAndTruth();
  expect(counters).toEqual(truth);
}

async function inventory(customers = 2) {
  const op = await createOperator(t.db);
  const list = [];
  for (let i = 0; i < customers; i++) list.push(await createCustomer(t.db, op.id));
  for (const c of list) {
    await createNumbers(t.db, {
      operatorId: op.id,
      customerId: c.id,
      status: 'MarkedForRemoval',
      count: 30,
    });
    await createNumbers(t.db, { operatorId: op.id, customerId: c.id, status: 'Active', count: 7 });
  }
  await createNumbers(t.db, { operatorId: op.id, customerId: null, status: 'Active', count: 5 });
  return { op, customers: list };
}

describe('number counts', () => {
  it('follow inserts, status and customer changes, deletes and truncates', async () => {
    const { op, customers } = await inventory();
    const [a, b] = customers as [(typeof customers)[0], (typeof customers)[0]];
    await expectExact();
    await t.sql`update telephone_numbers set status = 'ReadyForRemoval'
                where id in (select id from telephone_numbers where customer_id = ${a.id}
                             and status = 'MarkedForRemoval' limit 12)`;
    await t.sql`update telephone_numbers set customer_id = ${b.id}
                where id in (select id from telephone_numbers where customer_id = ${a.id} limit 5)`;
    await t.sql`update telephone_numbers set customer_id = null, status = 'Active'
                where id in (select id from telephone_numbers where customer_id = ${b.id} limit 3)`;
    await t.sql`update telephone_numbers set updated_at = now() where operator_id = ${op.id}`;
    await t.sql`delete from telephone_numbers
                where id in (select id from telephone_numbers where customer_id = ${b.id} limit 4)`;
    await expectExact();
    expect(await countNumbers(t.sql, { operatorId: op.id })).toBe(2 * 37 + 5 - 4);
    const tenant = { operatorId: op.id, msTenantId: a.msTenantId.toUpperCase() };
    expect(await countNumbers(t.sql, { ...tenant, status: 'ReadyForRemoval' })).toBe(
      (
        await t.sql`select 1 from telephone_numbers
                   where customer_id = ${a.id} and status = 'ReadyForRemoval'`
      ).length,
    );
    // Another operator's customer counts nothing.
    const stranger = await createOperator(t.db);
    expect(await countNumbers(t.sql, { operatorId: stranger.id, msTenantId: a.msTenantId })).toBe(
      0,
    );
    await t.sql`truncate telephone_numbers cascade`;
    await expectExact();
  });

  it('backfill makes an inventory that predates the triggers exact, while it changes', async () => {
    // An inventory written without the triggers, and counters that know nothing of it.
    await t.sql`alter table telephone_numbers disable trigger user`;
    const { op, customers } = await inventory(6);
    await t.sql`alter table telephone_numbers enable trigger user`;
    await t.sql`delete from schema_backfills`;
    await t.sql`delete from number_counts`;
    // A process that has not seen the backfill complete counts the rows meanwhile (a pool
    // remembers only completion).
    const fresh = postgres(t.url, { max: 1, onnotice: () => {} });
    try {
      const before = await countByStatus(fresh, { operatorId: op.id });
      expect(before.get('MarkedForRemoval')).toBe(6 * 30);
    } finally {
      await fresh.end();
    }

    // Changes to every group while the backfill runs, each its own transaction.
    let stop = false;
    const churn = (async () => {
      for (let i = 0; !stop; i++) {
        const customer = customers[i % customers.length];
        await t.sql`update telephone_numbers
          set status = case status when 'MarkedForRemoval' then 'ReadyForRemoval'::number_status
                                   else 'MarkedForRemoval'::number_status end
          where id in (select id from telephone_numbers where customer_id = ${customer?.id ?? null}
                       and status in ('MarkedForRemoval', 'ReadyForRemoval')
                       order by random() limit 3)`;
        await createNumbers(t.db, {
          operatorId: op.id,
          customerId: i % 2 ? null : (customer?.id ?? null),
          status: 'MarkedForRemoval',
        });
      }
    })();
    const groups = await backfillNumberCounts(t.sql);
    stop = true;
    await churn;
    expect(groups).toBeGreaterThanOrEqual(7);
    await expectExact();
    expect(await backfillNumberCounts(t.sql)).toBeUndefined();
  });
});
