import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inventoryCsv } from '../support/cli-harness.ts';
import { useTestDatabase } from '../support/database.ts';
import { createNumbers, createOperator, uniqueE164 } from '../support/factories.ts';
import { importHelpers } from '../support/import-run.ts';

// The inventory import's rows: what it writes, changes and refuses. The file's own shape (header,
// empty, malformed CSV): import-file.test.ts.

const t = useTestDatabase();

const { slug, runImport, numberRow, history } = importHelpers(t);

describe('numbers import', () => {
  it('imports good rows with operators, customers and a creation history row each', async () => {
    const [op, tenant, a, b, c] = [slug(), randomUUID(), uniqueE164(), uniqueE164(), uniqueE164()];
    const { summary, rejected } = await runImport(
      inventoryCsv([
        [a, 'MarkedForRemoval', op, tenant, 'true'],
        [b, 'ReadyForRemoval', op, tenant.toUpperCase(), ''],
        [c, 'Active', op, '', ''],
      ]),
    );
    expect(rejected).toEqual([]);
    expect(summary).toMatchObject({
      rowsRead: 3,
      inserted: 3,
      updated: 0,
      unchanged: 0,
      rejected: 0,
    });
    expect(summary).toMatchObject({ operatorsCreated: [op], customersCreated: 1 });
    expect(await numberRow(a)).toMatchObject({
      status: 'MarkedForRemoval',
      assignable: true,
      slug: op,
      tenant,
      operator_connect: true,
    });
    expect(await numberRow(b)).toMatchObject({
      status: 'ReadyForRemoval',
      assignable: false,
      tenant,
    });
    expect(await numberRow(c)).toMatchObject({ status: 'Active', tenant: null });
    expect(await history(a)).toEqual([
      { from_status: null, to_status: 'MarkedForRemoval', actor: 'import', job_id: null },
    ]);
  });

  it('reports every bad row with its line number and still imports the good ones', async () => {
    const op = slug();
    const good = [uniqueE164(), uniqueE164(), uniqueE164()];
    const [dup, tenant] = [uniqueE164(), randomUUID()];
    const csv = [
      'telephoneNumber,status,operator,msTenantId,operatorConnect', // 1
      `${good[0]},Active,${op},,`, // 2
      '+1 425-555-1212,Active,op,,', // 3 formatted
      '', // 4 blank, skipped
      `${uniqueE164()},active,${op},,`, // 5 status case
      `"${good[1]}",Active,${op},"${tenant}",true`, // 6 good, quoted
      `${uniqueE164()},Active,${op},not-a-guid,yes`, // 7 two problems
      `${uniqueE164()},Active,,,`, // 8 no operator
      `${dup},Active,${op},,`, // 9 good
      `${dup},MarkedForRemoval,${op},,`, // 10 duplicate of 9
      `${uniqueE164()},Active,${op}`, // 11 too few fields
      `${uniqueE164()},Active,${op},${tenant},false`, // 12 contradicts line 6
      '+999123456,Active,op,,', // 13 unknown country code
      '"+1206555\n0000",Active,op,,', // 14-15 quoted field across two lines
      `${good[2]},Active,${op},,`, // 16 good
    ].join('\n');
    const { summary, rejected } = await runImport(csv, { batchSize: 2 });
    expect(rejected.map((r) => r.line)).toEqual([3, 5, 7, 8, 10, 11, 12, 13, 14]);
    const reason = (line: number) => rejected.find((r) => r.line === line)?.reason;
    expect(reason(3)).toMatch(/INVALID_E164.*did you mean \+14255551212\?/);
    expect(reason(5)).toMatch(/unknown status "active".*did you mean Active\?/);
    expect(reason(7)).toMatch(/not a GUID.*operatorConnect "yes"/);
    expect(reason(8)).toMatch(/operator is empty/);
    expect(reason(10)).toMatch(/already on line 9/);
    expect(reason(11)).toMatch(/expected 5 fields, found 3/);
    expect(reason(12)).toMatch(/contradicts line 6/);
    expect(reason(13)).toMatch(/INVALID_COUNTRY_CODE/);
    expect(rejected.find((r) => r.line === 3)?.telephoneNumber).toBe('+1 425-555-1212');
    expect(summary).toMatchObject({ rowsRead: 13, inserted: 4, rejected: 9 });
    for (const e164 of [...good, dup]) expect(await numberRow(e164)).toBeDefined();
    expect(await numberRow(dup)).toMatchObject({ status: 'Active' });
  });

  it('re-importing the same file writes nothing', async () => {
    const op = slug();
    const rows = Array.from({ length: 40 }, (_, i) => [
      uniqueE164(),
      ['Active', 'ReleaseRequested', 'MarkedForRemoval', 'ReadyForRemoval'][i % 4] as string,
      op,
      i % 3 === 0 ? '' : randomUUID(),
      i % 2 === 0 ? 'true' : 'false',
    ]);
    const csv = inventoryCsv(rows);
    const first = await runImport(csv, { batchSize: 7 });
    expect(first.summary).toMatchObject({ inserted: 40, rejected: 0 });
    const snapshot = async () =>
      t.sql`select n.e164, n.xmin::text, n.updated_at, c.xmin::text as customer_xmin,
                   (select count(*) from number_status_history h where h.number_id = n.id)::int as history
            from telephone_numbers n join operators o on o.id = n.operator_id and o.slug = ${op}
            left join customers c on c.id = n.customer_id order by n.e164`;
    const before = await snapshot();
    const second = await runImport(csv, { batchSize: 7 });
    expect(second.summary).toMatchObject({ inserted: 0, updated: 0, unchanged: 40, rejected: 0 });
    expect(second.summary).toMatchObject({
      operatorsCreated: [],
      customersCreated: 0,
      customersUpdated: 0,
    });
    expect(await snapshot()).toEqual(before);
  });

  it('applies status and customer changes; a status change writes history', async () => {
    const [op, tenantA, tenantB, n] = [slug(), randomUUID(), randomUUID(), uniqueE164()];
    await runImport(inventoryCsv([[n, 'Active', op, tenantA, 'true']]));
    const moved = await runImport(inventoryCsv([[n, 'MarkedForRemoval', op, tenantB, 'false']]));
    expect(moved.summary).toMatchObject({ updated: 1, inserted: 0, customersCreated: 1 });
    expect(await numberRow(n)).toMatchObject({
      status: 'MarkedForRemoval',
      tenant: tenantB,
      operator_connect: false,
    });
    const customerOnly = await runImport(inventoryCsv([[n, 'MarkedForRemoval', op, '', '']]));
    expect(customerOnly.summary).toMatchObject({ updated: 1 });
    expect(await numberRow(n)).toMatchObject({ tenant: null });
    expect(await history(n)).toEqual([
      { from_status: null, to_status: 'Active', actor: 'import', job_id: null },
      { from_status: 'Active', to_status: 'MarkedForRemoval', actor: 'import', job_id: null },
    ]);
    // The customer's Operator Connect flag follows the file even when its numbers are unchanged.
    const flag = await runImport(
      inventoryCsv([
        [n, 'MarkedForRemoval', op, '', ''],
        [uniqueE164(), 'Active', op, tenantB, 'true'],
      ]),
    );
    expect(flag.summary).toMatchObject({ customersUpdated: 1, unchanged: 1, inserted: 1 });
  });

  it('rejects a number owned by another operator and leaves it untouched', async () => {
    const owner = await createOperator(t.db);
    const [theirs] = await createNumbers(t.db, {
      operatorId: owner.id,
      customerId: null,
      status: 'MarkedForRemoval',
    });
    const mine = uniqueE164();
    const { summary, rejected } = await runImport(
      inventoryCsv([
        [mine, 'Active', slug(), '', ''],
        [theirs as string, 'Active', slug(), '', ''],
      ]),
    );
    expect(rejected).toEqual([
      { line: 3, telephoneNumber: theirs, reason: expect.stringMatching(/another operator/) },
    ]);
    expect(summary).toMatchObject({ inserted: 1, rejected: 1 });
    expect(await numberRow(theirs as string)).toMatchObject({
      status: 'MarkedForRemoval',
      slug: owner.slug,
    });
    expect(await history(theirs as string)).toEqual([]);
  });

  it('never brings a ReadyForRemoval number back', async () => {
    const [op, n] = [slug(), uniqueE164()];
    await runImport(inventoryCsv([[n, 'ReadyForRemoval', op, '', '']]));
    const { rejected } = await runImport(inventoryCsv([[n, 'MarkedForRemoval', op, '', '']]));
    expect(rejected[0]?.reason).toMatch(/ReadyForRemoval, which is final/);
    expect(await numberRow(n)).toMatchObject({ status: 'ReadyForRemoval', assignable: false });
  });
});
