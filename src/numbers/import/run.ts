import type { Readable } from 'node:stream';
import { CsvError, type Info, parse } from 'csv-parse';
import type { Sql } from '../../db/client.ts';
import { withTransientRetry } from '../../db/retry.ts';
import type { PhoneValidation } from '../e164.ts';
import { applyImportBatch, type BatchOutcome } from './batch.ts';
import { createFileConsistency } from './consistency.ts';
import { DEFAULT_IMPORT_BATCH_SIZE } from './contract.ts';
import {
  type ColumnPositions,
  checkHeader,
  checkRow,
  type ImportRow,
  type RejectedRow,
} from './row.ts';

export interface ImportOptions {
  phoneValidation: PhoneValidation;
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
  /** The file could not be read to its end (bad header, broken CSV); earlier batches stay imported. */
  aborted?: { line: number; reason: string };
}

/**
 * Streams an inventory CSV (docs/cli.md) into the database: each line is validated on its own,
 * valid lines are upserted in batches of one transaction each. Re-importing a file writes
 * nothing, so an import that stopped halfway is finished by running it again.
 */
export async function importNumbers(
  sql: Sql,
  source: Readable,
  options: ImportOptions,
): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? DEFAULT_IMPORT_BATCH_SIZE;
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
  const consistency = createFileConsistency();
  let batch: ImportRow[] = [];
  // Batches are written one at a time, in file order, while the next one is parsed and
  // validated: Node's CPU work overlaps Postgres's. A failed write surfaces at the next flush.
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    await writing;
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    writing = withTransientRetry(() => sql.begin((tx) => applyImportBatch(tx, rows))).then(
      (outcome) => {
        addOutcome(summary, outcome);
        for (const rejected of outcome.rejected) reject(rejected);
      },
    );
    writing.catch(() => {});
  };

  // A CSV syntax error (a stray quote) makes the rest of the file unreadable. Failing the
  // stream would also drop the records already parsed but not yet consumed, so the error is
  // only noted here, and the loop stops when it reaches that line.
  let malformed: ImportSummary['aborted'];
  const parser = source.pipe(
    parse({
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        malformed ??= { line: Number(err?.lines) || 0, reason: `malformed CSV: ${err?.message}` };
        return undefined;
      },
    }),
  );
  source.once('error', (err) => parser.destroy(err));
  parser.once('close', () => source.destroy());
  const lines = createLineCounter();
  let positions: ColumnPositions | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: Info;
    }>) {
      const line = lines.startOf(info);
      if (malformed && line >= malformed.line) break;
      if (!positions) {
        const header = checkHeader(record);
        if (!header.ok) {
          summary.aborted = { line, reason: `bad header: ${header.problem}` };
          break;
        }
        positions = header.positions;
        continue;
      }
      summary.rowsRead++;
      const checked = checkRow(record, positions, line, options.phoneValidation);
      const problem = checked.ok ? consistency.check(checked.row) : checked.rejected;
      if (problem) reject(problem);
      else if (checked.ok) batch.push(checked.row);
      if (batch.length >= batchSize) await flush();
    }
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    summary.aborted = { line: Number(err.lines) || 0, reason: `malformed CSV: ${err.message}` };
  }
  summary.aborted ??= malformed;
  if (!positions && !summary.aborted) {
    summary.aborted = { line: 1, reason: 'the file is empty: a header line is required' };
  }
  await flush();
  await writing;
  return summary;
}

function addOutcome(summary: ImportSummary, outcome: BatchOutcome): void {
  summary.inserted += outcome.inserted;
  summary.updated += outcome.updated;
  summary.unchanged += outcome.unchanged;
  summary.operatorsCreated.push(...outcome.operatorsCreated);
  summary.customersCreated += outcome.customersCreated;
  summary.customersUpdated += outcome.customersUpdated;
}

/**
 * csv-parse reports the line a record ends on; a quoted field may span lines, so the record
 * starts right after the previous one, past any empty lines skipped in between.
 */
function createLineCounter() {
  let previousEnd = 0;
  let previousEmpty = 0;
  return {
    startOf(info: Info): number {
      const start = previousEnd + 1 + (info.empty_lines - previousEmpty);
      previousEnd = info.lines;
      previousEmpty = info.empty_lines;
      return start;
    },
  };
}
