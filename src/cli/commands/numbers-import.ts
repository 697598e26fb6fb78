import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Sql } from '../../db/client.ts';
import type { PhoneValidation } from '../../numbers/e164.ts';
import { DEFAULT_IMPORT_BATCH_SIZE, IMPORT_COLUMNS } from '../../numbers/import/contract.ts';
import type { ImportSummary } from '../../numbers/import/run.ts';
import type { CliIo } from '../context.ts';
import { type Command, PROGRAM, parseCommandArgs, printHelp, UsageError } from '../usage.ts';

export const numbersImportCommand: Command = {
  path: ['numbers', 'import'],
  summary: 'upsert the number inventory from a CSV file',
  help: `Usage: ${PROGRAM} numbers import <file.csv> [--batch-size N]

Upserts telephone numbers from a CSV file ("-" reads stdin). The header must name
exactly these columns, in any order:

  ${IMPORT_COLUMNS.join(',')}

  telephoneNumber  E.164, e.g. +14255551212
  status           Active, ReleaseRequested, MarkedForRemoval or ReadyForRemoval
  operator         operator slug; a new slug creates the operator
  msTenantId       the customer's Microsoft tenant GUID; empty = no customer
  operatorConnect  true or false (empty = true): is the customer Operator Connect

Every row is validated on its own. Rejected rows are printed on stderr as
"line N: <number>: <reason>" and the other rows are still imported. A number owned
by another operator, a number listed twice (the later line) and a change away from
ReadyForRemoval are rejected. Importing the same file again changes nothing.
Exit code: 0 all rows imported, 1 some rows rejected or the file unreadable, 2 usage.

Options:
  --batch-size N  staged rows of a part merged per transaction (default ${DEFAULT_IMPORT_BATCH_SIZE})
  -h, --help      show this help
`,
  async run(args, ctx) {
    const { values, argument } = parseCommandArgs(
      'numbers import',
      args,
      {
        'batch-size': { type: 'string' },
      },
      'the CSV file',
    );
    if (values.help) return printHelp(ctx.io, this.help);
    const file = argument;
    const batchSize = parseBatchSize(values['batch-size']);
    return ctx.withSql((sql, config) =>
      numbersImport(
        { sql, io: ctx.io, phoneValidation: config.phoneValidation },
        { file, batchSize },
      ),
    );
  },
};

function parseBatchSize(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_IMPORT_BATCH_SIZE;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 50_000) {
    throw new UsageError(
      `--batch-size must be an integer from 1 to 50000, got "${raw}"`,
      'numbers import',
    );
  }
  return value;
}

interface NumbersImportDeps {
  sql: Sql;
  io: CliIo;
  phoneValidation: PhoneValidation;
}

/** Imports `file` ("-" = stdin); exit code 1 when any row was rejected or the file was cut short. */
async function numbersImport(
  deps: NumbersImportDeps,
  input: { file: string; batchSize: number },
): Promise<number> {
  const { stdout, stderr } = deps.io;
  const source = await openSource(input.file, deps.io);
  const startedAt = performance.now();
  const { importNumbers } = await import('../../numbers/import/run.ts');
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

function formatSummary(file: string, s: ImportSummary, seconds: number): string {
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
