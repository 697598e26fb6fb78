import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { RejectedRow } from '../../src/numbers/import/row.ts';
import { importNumbers } from '../../src/numbers/import/run.ts';
import { inventoryCsv } from '../support/cli-harness.ts';
import { useTestDatabase } from '../support/database.ts';
import { createNumbers, createOperator, uniqueE164 } from '../support/factories.ts';
import { assertInvariants } from '../support/invariants.ts';

// The import stages the whole file, then merges it a range of numbers per transaction: what
// each line gets (and the summary, and the inventory after) must not depend on where those
// transactions end, and importing the same file again writes nothing, whatever the batch size.

const t = useTestDatabase();

async function run(csv: string, batchSize: number) {
  const rejected: RejectedRow[] = [];
  const summary = await importNumbers(t.sql, Readable.from([csv]), {
    phoneValidation: 'possible',
    batchSize,
    onRejected: (r) => rejected.push(r),
  });
  return { summary, rejected: rejected.sort((a, b) => a.line - b.line) };
}

/** The same file each time, on fresh numbers: every kind of line, duplicates across chunks. */
async function scenario() {
  const op = `op-${randomBytes(4).toString('hex')}`;
  const [a, b] = [randomUUID(), randomUUID()];
  const n = Array.from({ length: 12 }, uniqueE164);
  const at = (i: number) => n[i] as string;
  // The inventory before: three of the operator's numbers and one of another operator.
  await run(
    inventoryCsv([
      [at(0), 'Active', op, a, 'true'],
      [at(1), 'ReadyForRemoval', op, '', ''],
      [at(2), 'MarkedForRemoval', op, a, 'true'],
    ]),
    1000,
  );
  const stranger = await createOperator(t.db);
  await createNumbers(t.db, {
    operatorId: stranger.id,
    customerId: null,
    status: 'Active',
    e164s: [at(3)],
  });
  const csv = inventoryCsv([
    [at(4), 'Active', op, b, 'true'], // 2 insert
    [at(0), 'MarkedForRemoval', op, a, 'true'], // 3 update
    [at(1), 'Active', op, '', ''], // 4 final
    [at(3), 'Active', op, '', ''], // 5 foreign
    [at(11), 'Active', op, '', ''], // 6 insert
    [at(4), 'MarkedForRemoval', op, b, 'true'], // 7 duplicate of 2
    [at(5), 'Active', op, b, 'false'], // 8 contradicts 2
    [at(2), 'MarkedForRemoval', op, a, 'true'], // 9 unchanged
    [at(6), 'ReadyForRemoval', op, a, 'true'], // 10 insert
    [at(11), 'ReadyForRemoval', op, '', ''], // 11 duplicate of 6
    [at(7), 'Bogus', op, '', ''], // 12 invalid
    [at(8), 'MarkedForRemoval', op, '', ''], // 13 insert
    [at(0), 'Active', op, a, 'true'], // 14 duplicate of 3
  ]);
  const index = new Map(n.map((e, i) => [e, i]));
  const state = async () =>
    (
      await t.sql<{ e164: string; status: string; tenant: string | null }[]>`
        select e164, status::text, c.ms_tenant_id::text as tenant from telephone_numbers
        left join customers c on c.id = customer_id where e164 = any(${n}::text[])`
    )
      .map(
        (r) =>
          `${index.get(r.e164)} ${r.status} ${r.tenant === a ? 'a' : r.tenant === b ? 'b' : '-'}`,
      )
      .sort();
  return { csv, index, state };
}

describe('numbers import: batch boundaries', () => {
  it('gives every line the same outcome whatever the batch size, and a re-import writes nothing', async () => {
    const outcomes = [];
    for (const batchSize of [1, 2, 3, 5, 50_000]) {
      const { csv, index, state } = await scenario();
      const first = await run(csv, batchSize);
      const lines = first.rejected.map(
        (r) =>
          `${r.line} ${index.get(r.telephoneNumber)} ${r.reason.replace(/customer .*/, 'customer …')}`,
      );
      const after = await state();
      const again = await run(csv, batchSize === 1 ? 50_000 : 1);
      expect(again.summary).toMatchObject({ inserted: 0, updated: 0, unchanged: 6 });
      expect(await state()).toEqual(after);
      outcomes.push({ summary: { ...first.summary, operatorsCreated: [] }, lines, after });
    }
    for (const outcome of outcomes.slice(1)) expect(outcome).toEqual(outcomes[0]);
    expect(outcomes[0]?.summary).toMatchObject({
      rowsRead: 13,
      inserted: 4,
      updated: 1,
      unchanged: 1,
      rejected: 7,
    });
    expect(outcomes[0]?.lines.map((l) => Number(l.split(' ')[0]))).toEqual([
      4, 5, 7, 8, 11, 12, 14,
    ]);
    expect(outcomes[0]?.lines).toContain('7 4 duplicate: the number is already on line 2');
    await assertInvariants(t.sql);
  });
});
