import type { Readable } from 'node:stream';
import type { Sql } from '../../db/client.ts';
import type { PhoneValidation } from '../e164.ts';
import { DEFAULT_IMPORT_BATCH_SIZE, IMPORT_PARTS, importPartOf } from './contract.ts';
import { csvRecords, MalformedCsvError } from './csv-records.ts';
import { createCustomerFlags } from './customer-flags.ts';
import { firstLoad, inventoryIsEmpty } from './first-load.ts';
import { type MergeTotals, mergeStaged } from './merge.ts';
import {
  type ColumnPositions,
  checkHeader,
  checkRow,
  type ImportRow,
  type RejectedRow,
} from './row.ts';
import { type Conn, openStaging, type Staging } from './staging.ts';
import { reportTimings, setTiming, timed } from './timings.ts';

export interface ImportOptions {
  phoneValidation: PhoneValidation;
  /** Staged rows merged per transaction. */
  batchSize?: number;
  /** Called for every rejected row as soon as it is known (not necessarily in line order). */
  onRejected?: (rejected: RejectedRow) => void;
  /**
   * Whether a file imported into an inventory with no numbers may be loaded as a first load
   * (first-load.ts) instead of merged; the same outcome either way. Default true.
   */
  firstLoad?: boolean;
}

export interface ImportSummary {
  /** Data lines read (the header and empty lines not counted). */
  rowsRead: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  operatorsCreated: string[];
  customersCreated: number;
  customersUpdated: number;
  /** The file could not be read to its end (bad header, broken CSV); the rows before it are imported. */
  aborted?: { line: number; reason: string };
}

/**
 * Imports an inventory CSV (docs/cli.md) in two steps on IMPORT_PARTS connections, each for its
 * part of the numbers (their last digit; a number's lines all fall in one part):
 * 1. stage: the file is streamed, each line validated on its own (and against its customer's
 *    other lines), and the valid ones COPYed into a temporary table of their part's connection
 *    as they come;
 * 2. merge: the parts are merged at once, each into the inventory set-based, a range of its
 *    numbers per transaction (merge.ts): duplicates, another operator's numbers and changes
 *    away from ReadyForRemoval are rejected there, new numbers inserted, changed ones updated,
 *    each status change with its history row.
 * Into an inventory with no numbers, one connection stages the whole file and loads it in one
 * transaction instead (first-load.ts), or merges it if another writer got there first.
 * Memory stays flat whatever the file's size. Only rows that differ are written, so importing
 * the same file again writes nothing, and an import that stopped half-way is finished by
 * running it again.
 */
export async function importNumbers(
  sql: Sql,
  source: Readable,
  options: ImportOptions,
): Promise<ImportSummary> {
  const summary: ImportSummary = {
    rowsRead: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    operatorsCreated: [],
    customersCreated: 0,
    customersUpdated: 0,
  };
  const reject = (rejected: RejectedRow) => {
    summary.rejected++;
    options.onRejected?.(rejected);
  };
  const conns: Conn[] = [];
  let stagings: Staging[] = [];
  const started = performance.now();
  try {
    conns.push(await sql.reserve());
    // A hint: firstLoad checks again under its lock.
    const firstLoadHint = options.firstLoad !== false && (await inventoryIsEmpty(conns[0] as Conn));
    const stagingCount = firstLoadHint ? 1 : IMPORT_PARTS;
    while (conns.length < stagingCount) conns.push(await sql.reserve());
    stagings = await Promise.all(conns.map((conn) => openStaging(conn)));
    const stagingOf = (e164: string) => (stagingCount === 1 ? 0 : importPartOf(e164));
    const flags = createCustomerFlags();
    let positions: ColumnPositions | undefined;
    try {
      reading: for await (const records of csvRecords(source)) {
        const valid: ImportRow[][] = conns.map(() => []);
        for (const { line, fields } of records) {
          if (!positions) {
            const header = checkHeader(fields);
            if (!header.ok) {
              summary.aborted = { line, reason: `bad header: ${header.problem}` };
              break reading;
            }
            positions = header.positions;
            continue;
          }
          summary.rowsRead++;
          const checked = checkRow(fields, positions, line, options.phoneValidation);
          const problem = checked.ok ? flags.check(checked.row) : checked.rejected;
          if (problem) reject(problem);
          else if (checked.ok) valid[stagingOf(checked.row.e164)]?.push(checked.row);
        }
        await Promise.all(stagings.map((staging, part) => staging.write(valid[part] ?? [])));
      }
    } catch (err) {
      if (!(err instanceof MalformedCsvError)) throw err;
      summary.aborted = { line: err.line, reason: err.message };
    }
    if (!positions && !summary.aborted) {
      summary.aborted = { line: 1, reason: 'the file is empty: a header line is required' };
    }
    const staged = await timed('stage-index', () =>
      Promise.all(stagings.map((staging) => staging.finish())),
    );
    setTiming('stage', (performance.now() - started) / 1000);
    const loaded =
      firstLoadHint && (staged[0] ?? 0) > 0 ? await firstLoad(conns[0] as Conn, reject) : undefined;
    const parts = loaded ? [loaded] : await mergeAll(conns, options.batchSize, reject);
    for (const totals of parts) {
      summary.inserted += totals.inserted;
      summary.updated += totals.updated;
      summary.unchanged += totals.unchanged;
      summary.operatorsCreated.push(...totals.operatorsCreated);
      summary.customersCreated += totals.customersCreated;
      summary.customersUpdated += totals.customersUpdated;
    }
    summary.operatorsCreated.sort();
    setTiming('total', (performance.now() - started) / 1000);
    reportTimings();
  } finally {
    source.destroy();
    // A part's COPY still open (another part's failed) would hold its connection.
    for (const staging of stagings) staging.abort();
    for (const conn of conns) {
      await conn`drop table if exists import_rows, import_chunk, import_duplicates, import_owners`.catch(
        () => undefined,
      );
      conn.release();
    }
  }
  return summary;
}

/**
 * Merges each connection's staging at once: a connection per part, or one that staged every
 * part. A part that fails stops the others at their next chunk; the connections are released
 * only once none is in use.
 */
async function mergeAll(
  conns: readonly Conn[],
  batchSize = DEFAULT_IMPORT_BATCH_SIZE,
  reject: (rejected: RejectedRow) => void,
): Promise<MergeTotals[]> {
  const allParts = Array.from({ length: IMPORT_PARTS }, (_, part) => part);
  let failed = false;
  const settled = await Promise.allSettled(
    conns.map((conn, i) =>
      mergeStaged(conn, conns.length === 1 ? allParts : [i], batchSize, reject, () => failed).catch(
        (err: unknown) => {
          failed = true;
          throw err;
        },
      ),
    ),
  );
  return settled.map((outcome) => {
    if (outcome.status === 'rejected') throw outcome.reason;
    return outcome.value;
  });
}
