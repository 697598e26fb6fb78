import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Sql } from '../../db/client.ts';
import type { PhoneValidation } from '../../numbers/e164.ts';
import { type ImportSummary, importNumbers } from '../../numbers/import/run.ts';
import type { CliIo } from '../context.ts';

export interface NumbersImportDeps {
  sql: Sql;
  io: CliIo;
  phoneValidation: PhoneValidation;
}

/** Imports `file` ("-" = stdin); exit code 1 when any row was rejected or the file was cut short. */
export async function numbersImport(
  deps: NumbersImportDeps,
  input: { file: string; batchSize: number },
): Promise<number> {
  const { stdout, stderr } = deps.io;
  const source = await openSource(input.file, deps.io);
  const startedAt = performance.now();
  const summary = await importNumbers(deps.sql, source, {
    phoneValidation: deps.phoneValidation,
    batchSize: input.batchSize,
    onRejected: (r) => stderr.write(`line ${r.line}: ${r.telephoneNumber}: ${r.reason}\n`),
  });
  const seconds = (performance.now() - startedAt) / 1000;
  stdout.write(formatSummary(input.file, summary, seconds));
  if (summary.aborted) {
    stderr.write(`error: line ${summary.aborted.line}: ${summary.aborted.reason}\n`);
  }
  return summary.rejected > 0 || summary.aborted ? 1 : 0;
}

async function openSource(file: string, io: CliIo): Promise<Readable> {
  if (file === '-') {
    if (!io.stdin) throw new Error('no standard input to read from');
    return Readable.from(io.stdin);
  }
  // Opening first turns a missing file into one clear error before any database work.
  const handle = await open(file, 'r');
  return handle.createReadStream();
}

export function formatSummary(file: string, s: ImportSummary, seconds: number): string {
  const rate = seconds > 0 ? Math.round(s.rowsRead / seconds) : s.rowsRead;
  const lines = [
    `Imported ${file}: ${s.rowsRead} rows read in ${seconds.toFixed(1)} s (${rate} rows/s)`,
    `  inserted   ${s.inserted}`,
    `  updated    ${s.updated}`,
    `  unchanged  ${s.unchanged}`,
    `  rejected   ${s.rejected}`,
    `  operators created: ${s.operatorsCreated.length > 0 ? s.operatorsCreated.join(', ') : 'none'}`,
    `  customers created: ${s.customersCreated}, updated: ${s.customersUpdated}`,
  ];
  if (s.aborted) {
    lines.push(
      `Stopped at line ${s.aborted.line}; the rows before it were imported. Fix the file and import it again.`,
    );
  } else if (s.rejected > 0) {
    lines.push(
      `${s.rejected} rows were rejected (listed on stderr); all other rows were imported.`,
    );
  }
  return `${lines.join('\n')}\n`;
}
