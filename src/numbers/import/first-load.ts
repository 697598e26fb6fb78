import { errorCode } from '../../errors.ts';
import {
  collectOwners,
  dropSecondaryIndexes,
  duplicateBatches,
  ensureFileOperators,
  insertFileNumbers,
  restoreIndexes,
  type SecondaryIndex,
  setDuplicatesAside,
  upsertFileCustomers,
} from './first-load-sql.ts';
import { duplicateRejection, type MergeTotals } from './merge.ts';
import type { RejectedRow } from './row.ts';
import type { Conn } from './staging.ts';
import { timed } from './timings.ts';

// The first load of an inventory: every number of the file into a numbers table that has none
// yet. Merged a chunk at a time (merge.ts), each new number costs five index entries written one
// by one, and that is most of an import's time; here the table's indexes but its primary key
// are dropped, the numbers inserted in one statement, and the indexes built again by one sort
// each, all in one transaction that holds the table (docs/performance.md, "The first load").
// Whatever fails leaves the table as it was: empty, with its indexes.

/** How long a first load waits for the numbers table before it merges like any import instead. */
export const FIRST_LOAD_LOCK_TIMEOUT_MS = 2_000;

/**
 * Memory for the index builds' sorts, for this transaction only, whatever the server's setting.
 * More is not faster: at 5M numbers the builds took 14.1–18.4 s with 64 MB and 18.9–24.2 s with
 * 256 MB (32 MB: 24.1 s), in interleaved loads on one machine (docs/performance.md, "The first
 * load"). Why was not measured (smaller sort runs fit the CPU's caches better, a known effect).
 */
const INDEX_BUILD_MEMORY = '64MB';

const REPORT_BATCH = 10_000;

/** Whether the inventory has no numbers at all (read without a lock: a hint, see firstLoad). */
export async function inventoryIsEmpty(conn: Conn): Promise<boolean> {
  const [row] = await conn<{ empty: boolean }[]>`
    select not exists (select 1 from telephone_numbers) as empty`;
  return row?.empty ?? false;
}

/**
 * Loads the staged file (import_rows on `conn`, all of it) as the inventory's first numbers, or
 * returns undefined having changed nothing when this is no first load: the table has numbers
 * now, or another writer holds it for longer than FIRST_LOAD_LOCK_TIMEOUT_MS. Readers of the
 * numbers table wait until it commits; the report is what merging would have given.
 */
export async function firstLoad(
  conn: Conn,
  onRejected: (rejected: RejectedRow) => void,
): Promise<MergeTotals | undefined> {
  await conn`begin`;
  let totals: MergeTotals;
  try {
    // As a merge chunk's: losing the commit in a crash loses nothing the next run does not redo.
    await conn`set local synchronous_commit = off`;
    if (!(await holdNumbersTable(conn)) || !(await inventoryIsEmpty(conn))) {
      await conn`rollback`;
      return undefined;
    }
    const indexes = await dropSecondaryIndexes(conn);
    await conn.unsafe(`set local maintenance_work_mem = '${INDEX_BUILD_MEMORY}'`);
    // Most files list every number once: they are loaded as they are, and the unique index's
    // build (a sort it makes anyway) finds out. Only a file with a number listed twice pays for
    // finding its later lines, and loads again without them.
    await conn`savepoint as_staged`;
    let duplicates = 0;
    let loaded = await loadStaged(conn, indexes).catch(async (err: unknown) => {
      if (errorCode(err) !== '23505') throw err;
      await conn`rollback to savepoint as_staged`;
      return undefined;
    });
    if (!loaded) {
      duplicates = await timed('first-load-duplicates', () => setDuplicatesAside(conn));
      loaded = await loadStaged(conn, indexes);
    }
    await timed('commit', () => conn`commit`);
    totals = loaded;
    if (duplicates === 0) return totals;
  } catch (err) {
    await conn`rollback`.catch(() => undefined);
    throw err;
  }
  // Reported once committed, as a merge chunk's refusals are; streamed, so a file of one number
  // listed millions of times still takes no memory.
  for await (const batch of duplicateBatches(conn, REPORT_BATCH)) {
    for (const d of batch) onRejected(duplicateRejection(d));
  }
  return totals;
}

/** Operators, customers and numbers from import_rows, then the table's indexes again. */
async function loadStaged(conn: Conn, indexes: readonly SecondaryIndex[]): Promise<MergeTotals> {
  await timed('owners', () => collectOwners(conn));
  const operatorsCreated = await timed('operators', () => ensureFileOperators(conn));
  const customers = await timed('customers', () => upsertFileCustomers(conn));
  const inserted = await timed('insert', () => insertFileNumbers(conn));
  await timed('first-load-indexes', () => restoreIndexes(conn, indexes));
  return {
    inserted,
    updated: 0,
    unchanged: 0,
    operatorsCreated,
    customersCreated: customers.created,
    customersUpdated: customers.updated,
  };
}

/**
 * Takes the numbers table to this transaction, waiting at most FIRST_LOAD_LOCK_TIMEOUT_MS;
 * false when it could not (the transaction is then aborted: the caller rolls it back).
 */
async function holdNumbersTable(conn: Conn): Promise<boolean> {
  await conn.unsafe(`set local lock_timeout = ${FIRST_LOAD_LOCK_TIMEOUT_MS}`);
  try {
    await conn`lock table telephone_numbers in access exclusive mode`;
  } catch (err) {
    if (errorCode(err) === '55P03') return false;
    throw err;
  }
  await conn`set local lock_timeout to default`;
  return true;
}
