import { randomBytes, randomUUID } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImportOptions } from '../../src/numbers/import/run.ts';
import { inventoryCsv } from '../support/cli-harness.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createOperator, uniqueE164 } from '../support/factories.ts';
import { importHelpers, indexesOf, inventoryOf } from '../support/import-run.ts';
import { assertInvariants } from '../support/invariants.ts';
import { waitForLockWait } from '../support/lock-waits.ts';
import { waitFor } from '../support/wait.ts';

// Into an inventory with no numbers, the import loads the file in one transaction that drops
// the numbers table's indexes and builds them again (first-load.ts) instead of merging it a
// chunk at a time. Every line must get what merging gives it; when the table is taken or gets
// numbers meanwhile, the import merges; a failure half-way leaves the table empty, indexes and
// all. Each test has empty databases of its own.

const opened: TestDatabase[] = [];
afterEach(async () => {
  for (const t of opened.splice(0)) await t.drop();
});

async function emptyDatabase() {
  const t = await createTestDatabase();
  opened.push(t);
  return t;
}

const runImport = (t: TestDatabase, source: Readable | string, options?: Partial<ImportOptions>) =>
  importHelpers(t).runImport(source, options);

const slug = () => `op-${randomBytes(4).toString('hex')}`;

/** A file with every kind of line a first load meets. */
function mixedFile() {
  const [op, other] = [slug(), slug()];
  const [a, b] = [randomUUID(), randomUUID()];
  const n = Array.from({ length: 10 }, uniqueE164);
  const at = (i: number) => n[i] as string;
  return inventoryCsv([
    [at(0), 'Active', op, a, 'true'],
    [at(1), 'ReadyForRemoval', op, a, 'true'],
    [at(2), 'MarkedForRemoval', op, '', ''],
    [at(3), 'ReleaseRequested', other, b, 'false'],
    [at(0), 'MarkedForRemoval', op, a, 'true'], // a later line of a number: duplicate
    ['not-a-number', 'Active', op, '', ''], // refused by its own check
    [at(4), 'Active', op, a, 'false'], // contradicts the customer's operatorConnect
    [at(5), 'Active', other, b, 'false'],
    [at(3), 'Active', op, '', ''], // a duplicate naming another operator
    [at(6), 'MarkedForRemoval', other, '', ''],
    [at(5), 'Active', other, b, 'false'], // and again
    [at(7), 'Active', op, a, 'true'],
  ]);
}

describe('numbers import: a first load', () => {
  it('gives every line what merging gives it, and builds the same indexes again', async () => {
    const [loaded, merged] = [await emptyDatabase(), await emptyDatabase()];
    const before = await indexesOf(loaded.sql);
    const csv = mixedFile();
    const first = await runImport(loaded, csv);
    const merging = await runImport(merged, csv, { firstLoad: false });
    expect(first).toEqual(merging);
    expect(first.summary).toMatchObject({ rowsRead: 12, inserted: 7, rejected: 5 });
    expect(first.rejected.map((r) => [r.line, r.reason.split(':')[0]])).toEqual([
      [6, 'duplicate'],
      [7, expect.any(String)],
      [8, expect.stringContaining('operatorConnect false contradicts line 2')],
      [10, 'duplicate'],
      [12, 'duplicate'],
    ]);
    expect(await inventoryOf(loaded.sql)).toEqual(await inventoryOf(merged.sql));
    // The load's indexes are new ones, defined as the migrations defined them; merging keeps
    // the table's own.
    const after = await indexesOf(loaded.sql);
    expect(after.map(({ name, def }) => ({ name, def }))).toEqual(
      before.map(({ name, def }) => ({ name, def })),
    );
    const rebuilt = after.filter((x) => !before.some((y) => y.oid === x.oid)).map((x) => x.name);
    expect(rebuilt).toEqual(before.filter((x) => !x.name.endsWith('_pkey')).map((x) => x.name));
    expect((await indexesOf(merged.sql)).map((x) => x.oid)).toEqual(before.map((x) => x.oid));
    await assertInvariants(loaded.sql);
    // Importing the same file again merges (the table has numbers) and writes nothing.
    const again = await runImport(loaded, csv);
    expect(again.summary).toMatchObject({ inserted: 0, updated: 0, unchanged: 7, rejected: 5 });
    expect((await indexesOf(loaded.sql)).map((x) => x.oid)).toEqual(after.map((x) => x.oid));
  });

  it('loads a file that lists every number once as merging would', async () => {
    const [loaded, merged] = [await emptyDatabase(), await emptyDatabase()];
    const before = await indexesOf(loaded.sql);
    const [op, tenant] = [slug(), randomUUID()];
    const csv = inventoryCsv(
      Array.from({ length: 30 }, (_, i) => [
        uniqueE164(),
        i % 3 === 0 ? 'ReadyForRemoval' : 'Active',
        op,
        i % 2 === 0 ? tenant : '',
        i % 2 === 0 ? 'false' : '',
      ]),
    );
    const first = await runImport(loaded, csv);
    expect(first).toEqual(await runImport(merged, csv, { firstLoad: false }));
    expect(first.summary).toMatchObject({ inserted: 30, rejected: 0, customersCreated: 1 });
    expect(await inventoryOf(loaded.sql)).toEqual(await inventoryOf(merged.sql));
    const after = await indexesOf(loaded.sql);
    expect(after.filter((x) => before.some((y) => y.oid === x.oid)).map((x) => x.name)).toEqual([
      'telephone_numbers_pkey',
    ]);
    await assertInvariants(loaded.sql);
  });

  it('merges instead when another writer holds the numbers table past the wait', async () => {
    const t = await emptyDatabase();
    const before = await indexesOf(t.sql);
    const op = slug();
    const n = Array.from({ length: 20 }, uniqueE164);
    const holder = await t.sql.reserve();
    try {
      await holder`begin`;
      await holder`lock table telephone_numbers in share mode`;
      const importing = runImport(t, inventoryCsv(n.map((e164) => [e164, 'Active', op, '', ''])));
      // Past its wait for the table, the import merges: its insert queues behind the holder.
      await waitForLockWait(t.sql, 'the merge to wait', '%insert into telephone_numbers%', 20_000);
      await holder`commit`;
      const { summary, rejected } = await importing;
      expect(summary).toMatchObject({ rowsRead: 20, inserted: 20, rejected: 0 });
      expect(rejected).toEqual([]);
    } finally {
      await holder`rollback`.catch(() => {});
      holder.release();
    }
    expect((await indexesOf(t.sql)).map((x) => x.oid)).toEqual(before.map((x) => x.oid));
    await assertInvariants(t.sql);
  });

  it('merges against the numbers another writer added after the import began', async () => {
    const t = await emptyDatabase();
    const [op, other] = [slug(), slug()];
    const n = Array.from({ length: 6 }, uniqueE164);
    const file = new PassThrough();
    const importing = runImport(t, file);
    file.write(inventoryCsv(n.slice(0, 3).map((e164) => [e164, 'Active', op, '', ''])));
    // The import found the table empty and is staging the file on one connection.
    await waitFor('the import to stage', async () => {
      const copying = await t.sql`
        select 1 from pg_stat_activity
        where datname = current_database() and query like 'copy import_rows%'`;
      return copying.length > 0 ? true : undefined;
    });
    const owner = await createOperator(t.db, other);
    await t.sql`
      insert into telephone_numbers (e164, operator_id, status)
      values (${n[4] as string}, ${owner.id}, 'MarkedForRemoval')`;
    file.end(
      n
        .slice(3)
        .map((e164) => `${e164},Active,${op},,\n`)
        .join(''),
    );
    const { summary, rejected } = await importing;
    expect(summary).toMatchObject({ rowsRead: 6, inserted: 5, rejected: 1 });
    expect(rejected).toEqual([
      {
        line: 6,
        telephoneNumber: n[4],
        reason: 'the number belongs to another operator; an import never moves numbers',
      },
    ]);
    await assertInvariants(t.sql);
  });

  it('leaves the table empty, with its indexes, when it fails half-way', async () => {
    const t = await emptyDatabase();
    const before = await indexesOf(t.sql);
    const op = slug();
    const operator = await createOperator(t.db, op);
    const locker = await t.sql.reserve();
    try {
      // The insert's reference check KEY SHARE-locks the operator: held FOR UPDATE here, it
      // waits with the table's indexes dropped.
      await locker`begin`;
      await locker`select 1 from operators where id = ${operator.id} for update`;
      const importing = runImport(
        t,
        inventoryCsv(Array.from({ length: 50 }, () => [uniqueE164(), 'Active', op, '', ''])),
      );
      const failed = importing.then(
        () => undefined,
        (err: unknown) => err,
      );
      await waitForLockWait(t.sql, 'the load to wait', '%insert into telephone_numbers%', 20_000);
      // A first load, not a merge: it holds the table (and has dropped its indexes).
      const held = await locker`
        select 1 from pg_locks
        where relation = 'telephone_numbers'::regclass and mode = 'AccessExclusiveLock' and granted`;
      expect(held).toHaveLength(1);
      await t.sql`
        select pg_cancel_backend(pid) from pg_stat_activity
        where datname = current_database() and query like '%insert into telephone_numbers%'
          and wait_event_type = 'Lock'`;
      expect(await failed).toMatchObject({ code: '57014' });
    } finally {
      await locker`rollback`.catch(() => {});
      locker.release();
    }
    const [count] = await t.sql<{ n: number }[]>`select count(*)::int as n from telephone_numbers`;
    expect(count?.n).toBe(0);
    expect(await indexesOf(t.sql)).toEqual(before);
    await assertInvariants(t.sql);
  });
});
