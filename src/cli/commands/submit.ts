import { OPERATION_NAMES, operationNamed } from '../../domain/operations.ts';
import { type Command, PROGRAM, parseCommandArgs, printHelp, UsageError } from '../usage.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, clientIo, withInterrupt } from './client-common.ts';

export const submitCommand: Command = {
  path: ['submit'],
  summary: 'send a file of numbers of any size to the service, paced, resumable',
  help: `Usage: ${PROGRAM} submit <file|-> [--operation ${OPERATION_NAMES.join('|')}]
         [--url <base>] [--key-file <file> | --token-file <file>] [--dry-run] [--out <results.csv>] [--skip-invalid]
         [--fresh] [--batch-timeout <seconds>] [--json]

Sends every number of the file ("-" reads stdin) to the service in batches of up to 500,
in file order. Input: a CSV with a telephoneNumber column (the list export of
GET /api/v3/oc/numbers works as is) or one number per line ("#" comments and blank lines
ignored). Numbers are checked first with the service's E.164 rules (PHONE_VALIDATION):
bad lines are listed and nothing is sent unless --skip-invalid; repeated numbers are
sent once. Each batch carries an Idempotency-Key derived from the operation and its
numbers, so running the same file again within 24 h (after a crash or Ctrl-C) never
processes a batch twice: it gets the stored results back, failures included. Numbers a
failed job left unprocessed are sent again (twice at most). Requests are paced from the
RateLimit headers. Ctrl-C cancels the jobs in flight, writes what is known and exits 3.

The API key comes from OCN_API_KEY or --key-file, or an OpenID Connect access token from
OCN_TOKEN or --token-file (read again before every request); never from a flag.

Exit codes: 0 every number succeeded; 1 some numbers failed a rule (or were skipped);
2 usage or invalid input; 3 interrupted; 4 the service refused or failed, or a batch's
outcome is unknown (its rows say UNKNOWN).

Options:
  --operation <op>   ${OPERATION_NAMES.join(', ')} (the first is the default)
${CONNECTION_HELP} (a summary)
  --dry-run          evaluate the rules without changing anything (?dryRun=true)
  --out <file>       write telephoneNumber,outcome,currentStatus,detail,jobId per input line
  --skip-invalid     send the valid numbers even if some lines are invalid
  --fresh            new Idempotency-Keys: send every batch again instead of replaying the
                     stored results of a run of the same file in the last 24 h. Use it after
                     fixing what made numbers fail (an import, a status); not to resume an
                     interrupted run: that is a plain re-run, which processes nothing twice
  --batch-timeout <seconds>
                     give up on a batch whose job has not ended after this long (default
                     $OCN_BATCH_TIMEOUT_S, else 600): its rows say UNKNOWN, exit 4; the job
                     goes on, and a re-run once it ended picks up its result
  -h, --help         show this help
`,
  async run(args, ctx) {
    const { values, argument } = parseCommandArgs(
      'submit',
      args,
      {
        ...CONNECTION_OPTIONS,
        operation: { type: 'string' },
        'dry-run': { type: 'boolean' },
        out: { type: 'string' },
        'skip-invalid': { type: 'boolean' },
        fresh: { type: 'boolean' },
        'batch-timeout': { type: 'string' },
      },
      'the input file (or "-")',
    );
    if (values.help) return printHelp(ctx.io, this.help);
    const file = argument;
    const operation = operationNamed(values.operation ?? OPERATION_NAMES[0]);
    if (operation === undefined) {
      throw new UsageError(`--operation must be one of ${OPERATION_NAMES.join(', ')}`, 'submit');
    }
    if (values.fresh && values['dry-run']) {
      throw new UsageError(
        '--fresh has no effect on a dry run (it sends no Idempotency-Key)',
        'submit',
      );
    }
    const { submit } = await import('../client/submit.ts');
    return withInterrupt((signal) =>
      submit(
        clientIo(ctx),
        {
          file,
          operation: operation.name,
          url: values.url,
          keyFile: values['key-file'],
          tokenFile: values['token-file'],
          dryRun: values['dry-run'] ?? false,
          out: values.out,
          skipInvalid: values['skip-invalid'] ?? false,
          json: values.json ?? false,
          fresh: values.fresh ?? false,
          batchTimeout: values['batch-timeout'],
        },
        signal,
      ),
    );
  },
};
