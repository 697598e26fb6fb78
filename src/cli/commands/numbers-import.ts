import { DEFAULT_IMPORT_BATCH_SIZE, IMPORT_COLUMNS } from '../../numbers/import/contract.ts';
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
  --batch-size N  rows per transaction (default ${DEFAULT_IMPORT_BATCH_SIZE})
  -h, --help      show this help
`,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(
      'numbers import',
      args,
      {
        'batch-size': { type: 'string' },
      },
      true,
    );
    if (values.help) return printHelp(ctx.io, this.help);
    const [file, ...extra] = positionals;
    if (!file) throw new UsageError('the CSV file is required', 'numbers import');
    if (extra.length > 0)
      throw new UsageError(`unexpected argument "${extra[0]}"`, 'numbers import');
    const batchSize = parseBatchSize(values['batch-size']);
    const { numbersImport } = await import('../actions/numbers-import.ts');
    return ctx.withDb((db, config) =>
      numbersImport(
        { sql: db.$client, io: ctx.io, phoneValidation: config.phoneValidation },
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
