import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { IMPORT_PARTS, importPartOf } from '../../src/numbers/import/contract.ts';
import { importNumbers } from '../../src/numbers/import/run.ts';
import { inventoryCsv } from '../support/cli-harness.ts';
import { useTestDatabase } from '../support/database.ts';
import { createOperator, uniqueE164 } from '../support/factories.ts';
import { importHelpers } from '../support/import-run.ts';
import { assertInvariants } from '../support/invariants.ts';
import { waitForLockWait } from '../support/lock-waits.ts';

// The import merges its parts (a number's last digit, contract.ts) on connections of their own
// at once. What each line gets must not depend on that: duplicates and rejected lines keep their
// line numbers in every part; two imports at once split the numbers the same way and queue per
// part; and a number another writer inserts meanwhile is reported, not lost or doubled.

const t = useTestDatabase();
const { slug, runImport, numberRow, history } = importHelpers(t);

/** `count` fresh numbers, as many of each part as of the other (counts a multiple of the parts). */
function numbersOfEveryPart(count: number) {
  const byPart: string[][] = Array.from({ length: IMPORT_PARTS }, () => []);
  while (byPart.some((p) => p.length < count / IMPORT_PARTS)) {
    const e164 = uniqueE164();
    const part = byPart[importPartOf(e164)] as string[];
    if (part.length < count / IMPORT_PARTS) part.push(e164);
  }
  return byPart.flat();
}

describe('numbers import: parts merged at once', () => {
  it('gives duplicates and refusals of every part their own line numbers', async () => {
    const op = slug();
    const tenant = randomUUID();
    const n = numbersOfEveryPart(8);
    expect(new Set(n.map(importPartOf)).size).toBe(IMPORT_PARTS);
    const rows = n.map((e164) => [e164, 'Active', op, tenant, 'true']);
    // Lines 2–9 the numbers; 10–17 each again: every part has its duplicates.
    const { summary, rejected } = await runImport(inventoryCsv([...rows, ...rows]));
    expect(summary).toMatchObject({
      rowsRead: 16,
      inserted: 8,
      rejected: 8,
      operatorsCreated: [op],
      customersCreated: 1,
    });
    expect(rejected.map((r) => [r.line, r.telephoneNumber, r.reason])).toEqual(
      n.map((e164, i) => [10 + i, e164, `duplicate: the number is already on line ${2 + i}`]),
    );
    await assertInvariants(t.sql);
  });

  it('lets two imports of one file run at once: each number inserted once, the rest unchanged', async () => {
    const op = slug();
    const n = numbersOfEveryPart(400);
    const csv = inventoryCsv(n.map((e164) => [e164, 'Active', op, '', '']));
    const [a, b] = await Promise.all([
      runImport(csv, { batchSize: 25 }),
      runImport(csv, { batchSize: 40 }),
    ]);
    expect(a.rejected).toEqual([]);
    expect(b.rejected).toEqual([]);
    expect(a.summary.inserted + b.summary.inserted).toBe(400);
    expect(a.summary.unchanged + b.summary.unchanged).toBe(400);
    expect([...a.summary.operatorsCreated, ...b.summary.operatorsCreated]).toEqual([op]);
    const [count] = await t.sql<{ n: number }[]>`
      select count(*)::int as n from telephone_numbers where e164 = any(${n}::text[])`;
    expect(count?.n).toBe(400);
    await assertInvariants(t.sql);
  });

  it('reports a number another writer inserts during the merge as raced; the other parts go on', async () => {
    const op = slug();
    const operator = await createOperator(t.db, op);
    const n = numbersOfEveryPart(20);
    const contested = n[0] as string;
    const writer = await t.sql.reserve();
    try {
      await writer`begin`;
      await writer`
        insert into telephone_numbers (e164, operator_id, status)
        values (${contested}, ${operator.id}, 'MarkedForRemoval')`;
      const importing = runImport(inventoryCsv(n.map((e164) => [e164, 'Active', op, '', ''])));
      // The import's insert of the contested number waits for the writer's transaction.
      await waitForLockWait(
        t.sql,
        'the import to wait for the writer',
        '%insert into telephone_numbers%',
      );
      await writer`commit`;
      const { summary, rejected } = await importing;
      expect(summary).toMatchObject({ rowsRead: 20, inserted: 19, rejected: 1 });
      expect(rejected).toEqual([
        {
          line: 2,
          telephoneNumber: contested,
          reason: 'changed by another process during the import; import again',
        },
      ]);
      expect(await numberRow(contested)).toMatchObject({ status: 'MarkedForRemoval' });
      // Importing again finds the writer's number as it is: a change, made by the import now.
      const again = await runImport(inventoryCsv(n.map((e164) => [e164, 'Active', op, '', ''])));
      expect(again.summary).toMatchObject({ updated: 1, unchanged: 19, rejected: 0 });
      await assertInvariants(t.sql);
    } finally {
      await writer`rollback`.catch(() => {});
      writer.release();
    }
  });

  it("reads a number's creation from the number itself, as it read the history row before", async () => {
    const op = slug();
    const [fresh, old] = [uniqueE164(), uniqueE164()];
    await runImport(
      inventoryCsv([
        [fresh, 'Active', op, '', ''],
        [old, 'Active', op, '', ''],
      ]),
    );
    // `old` as a number created before migration 0011: a history row, no imported_status.
    await t.sql`
      with n as (update telephone_numbers set imported_status = null where e164 = ${old}
                 returning id, created_at)
      insert into number_status_history (number_id, from_status, to_status, actor, changed_at)
      select id, null, 'Active', 'import', created_at from n`;
    await runImport(
      inventoryCsv([
        [fresh, 'MarkedForRemoval', op, '', ''],
        [old, 'MarkedForRemoval', op, '', ''],
      ]),
    );
    const [stored] = await t.sql<{ n: number }[]>`
      select count(*)::int as n from number_status_history h join telephone_numbers n on n.id = h.number_id
      where n.e164 = ${fresh} and h.from_status is null`;
    expect(stored?.n).toBe(0);
    const expected = [
      { from_status: null, to_status: 'Active', actor: 'import', job_id: null },
      { from_status: 'Active', to_status: 'MarkedForRemoval', actor: 'import', job_id: null },
    ];
    expect(await history(fresh)).toEqual(expected);
    expect(await history(old)).toEqual(expected);
    await assertInvariants(t.sql);
  });

  it('gives its connections back when the file fails half-way, every part COPY open', async () => {
    const op = slug();
    const n = numbersOfEveryPart(4000);
    const csv = inventoryCsv(n.map((e164) => [e164, 'Active', op, '', '']));
    async function* broken() {
      yield csv.slice(0, csv.length / 2);
      throw new Error('disk gone');
    }
    await expect(
      importNumbers(t.sql, Readable.from(broken()), { phoneValidation: 'possible' }),
    ).rejects.toThrow('disk gone');
    // Nothing was merged, and the same pool serves the next import.
    const again = await runImport(csv);
    expect(again.summary).toMatchObject({ inserted: 4000, rejected: 0 });
  });
});
