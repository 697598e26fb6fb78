import { type Command, PROGRAM, parseCommandArgs, printHelp, UsageError } from '../usage.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, clientIo, withInterrupt } from './client-common.ts';

const OPERATIONS = ['ready-for-removal', 'clear-removal-status'] as const;

export const submitCommand: Command = {
  path: ['submit'],
  summary: 'send a file of numbers of any size to the service, paced, resumable',
  help: `Usage: ${PROGRAM} submit <file|-> [--operation ready-for-removal|clear-removal-status]
         [--url <base>] [--key-file <file>] [--dry-run] [--out <results.csv>] [--skip-invalid] [--json]

Sends every number of the file ("-" reads stdin) to the service in batches of up to 500,
in file order. Input: a CSV with a telephoneNumber column (the list export of
GET /api/v3/oc/numbers works as is) or one number per line ("#" comments and blank lines
ignored). Numbers are checked first with the service's E.164 rules (PHONE_VALIDATION):
bad lines are listed and nothing is sent unless --skip-invalid; repeated numbers are
sent once. Each batch carries an Idempotency-Key derived from the operation and its
numbers, so running the same file again (after a crash or Ctrl-C) never processes a batch
twice. Requests are paced from the RateLimit headers. Ctrl-C cancels the jobs in flight,
writes what is known and exits 3.

The API key comes from OCN_API_KEY or --key-file, never from a flag.

Exit codes: 0 every number succeeded; 1 some numbers failed a rule (or were skipped);
2 usage or invalid input; 3 interrupted; 4 the service refused or failed.

Options:
  --operation <op>   ready-for-removal (default) or clear-removal-status
${CONNECTION_HELP} (a summary)
  --dry-run          evaluate the rules without changing anything (?dryRun=true)
  --out <file>       write telephoneNumber,outcome,currentStatus,detail,jobId per input line
  --skip-invalid     send the valid numbers even if some lines are invalid
  -h, --help         show this help
`,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(
      'submit',
      args,
      {
        ...CONNECTION_OPTIONS,
        operation: { type: 'string' },
        'dry-run': { type: 'boolean' },
        out: { type: 'string' },
        'skip-invalid': { type: 'boolean' },
      },
      true,
    );
    if (values.help) return printHelp(ctx.io, this.help);
    const [file, ...extra] = positionals;
    if (!file) throw new UsageError('the input file (or "-") is required', 'submit');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, 'submit');
    const operation = values.operation ?? 'ready-for-removal';
    if (!(OPERATIONS as readonly string[]).includes(operation)) {
      throw new UsageError(`--operation must be one of ${OPERATIONS.join(', ')}`, 'submit');
    }
    const { submit } = await import('../client/submit.ts');
    return withInterrupt((signal) =>
      submit(
        clientIo(ctx),
        {
          file,
          operation: operation as (typeof OPERATIONS)[number],
          url: values.url,
          keyFile: values['key-file'],
          dryRun: values['dry-run'] ?? false,
          out: values.out,
          skipInvalid: values['skip-invalid'] ?? false,
          json: values.json ?? false,
        },
        signal,
      ),
    );
  },
};
