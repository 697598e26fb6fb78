import type { Readable } from 'node:stream';
import type { Sql } from '../../db/client.ts';
import type { PhoneValidation } from '../e164.ts';
import { DEFAULT_IMPORT_BATCH_SIZE } from './contract.ts';
import { csvRecords, MalformedCsvError } from './csv-records.ts';
import { createCustomerFlags } from './customer-flags.ts';
import { mergeStaged } from './merge.ts';
import { type ColumnPositions, checkHeader, checkRow, type RejectedRow } from './row.ts';
import { openStaging } from './staging.ts';

export interface ImportOptions {
  phoneValidation: PhoneValidation;
  /** Staged rows merged per transaction. */
  batchSize?: number;
  /** Called for every rejected row as soon as it is known (not necessarily in line order). */
  onRejected?: (rejected: RejectedRow) => void;
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
 * Imports an inventory CSV (docs/cli.md) in two steps on one connection:
 * 1. stage: the file is streamed, each line validated on its own (and against its customer's
 *    other lines), and the valid ones COPYed into a temporary table as they come;
 * 2. merge: the staged rows are merged into the inventory set-based, a range of numbers per
 *    transaction (merge.ts): duplicates, another operator's numbers and changes
 *    away from ReadyForRemoval are rejected there, new numbers inserted, changed ones updated,
 *    each status change with its history row.
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
  const conn = await sql.reserve();
  try {
    const staging = await openStaging(conn);
    const flags = createCustomerFlags();
    let positions: ColumnPositions | undefined;
    try {
      reading: for await (const records of csvRecords(source)) {
        const valid = [];
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
          else if (checked.ok) valid.push(checked.row);
        }
        await staging.write(valid);
      }
    } catch (err) {
      if (!(err instanceof MalformedCsvError)) throw err;
      summary.aborted = { line: err.line, reason: err.message };
    }
    if (!positions && !summary.aborted) {
      summary.aborted = { line: 1, reason: 'the file is empty: a header line is required' };
    }
    await staging.finish();
    const totals = await mergeStaged(conn, options.batchSize ?? DEFAULT_IMPORT_BATCH_SIZE, reject);
    Object.assign(summary, totals);
  } finally {
    source.destroy();
    await conn`drop table if exists import_rows, import_chunk`.catch(() => undefined);
    conn.release();
  }
  return summary;
}
