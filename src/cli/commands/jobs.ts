import type { CliContext } from '../context.ts';
import { type Command, PROGRAM, parseCommandArgs, printHelp, UsageError } from '../usage.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, clientIo, withInterrupt } from './client-common.ts';

// `jobs list|get|watch|cancel|items`: the job API over HTTP, like `submit` (key from
// OCN_API_KEY or --key-file, or an access token: OCN_TOKEN or --token-file).

const STATES = ['queued', 'active', 'completed', 'cancelled', 'failed'];

type ClientJobs = typeof import('../client/jobs.ts');
type JobArgs = ReturnType<typeof withJobId>;

function withJobId(name: string, args: string[], ctx: CliContext, extra = {}) {
  const flags = { ...CONNECTION_OPTIONS, ...extra };
  const parsed = parseCommandArgs(`jobs ${name}`, args, flags, 'the job id');
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const options = {
    url: values.url as string | undefined,
    keyFile: values['key-file'] as string | undefined,
    tokenFile: values['token-file'] as string | undefined,
    json: (values.json as boolean | undefined) ?? false,
    jobId: parsed.argument,
  };
  return { help: values.help === true, values, options, io: clientIo(ctx) };
}

/** A `jobs <name> <jobId>` command: parse, help, then one call into the client. */
function jobCommand(spec: {
  name: string;
  summary: string;
  what: string;
  extraHelp?: string;
  extraOptions?: object;
  run: (client: ClientJobs, p: JobArgs) => Promise<number>;
}): Command {
  return {
    path: ['jobs', spec.name],
    summary: spec.summary,
    help: `Usage: ${PROGRAM} jobs ${spec.name} <jobId> [options]

${spec.what}

Options:
${spec.extraHelp ?? ''}${CONNECTION_HELP}
  -h, --help         show this help
`,
    async run(args, ctx) {
      const p = withJobId(spec.name, args, ctx, spec.extraOptions);
      if (p.help) return printHelp(ctx.io, this.help);
      return spec.run(await import('../client/jobs.ts'), p);
    },
  };
}

export const jobsGetCommand = jobCommand({
  name: 'get',
  summary: 'show one job: state, progress, result',
  what: 'Shows the job: state, progress and, once it ended, its result.',
  run: (client, p) => client.jobsGet(p.io, p.options),
});

export const jobsWatchCommand = jobCommand({
  name: 'watch',
  summary: 'follow a job with a live progress bar until it ends',
  what: 'Follows the job until it ends (a progress bar on a terminal, a line per change\notherwise). Ctrl-C stops watching; the job goes on. Exit 0 when every number\nsucceeded, 1 otherwise, 4 when the job failed.',
  run: (client, p) => withInterrupt((signal) => client.jobsWatch(p.io, p.options, signal)),
});

export const jobsCancelCommand = jobCommand({
  name: 'cancel',
  summary: 'cancel a queued or running job (processed numbers stay processed)',
  what: 'Cancels the job: numbers already processed stay processed, the rest are left\nuntouched. A job that already ended is not changed (exit 1).',
  run: (client, p) => client.jobsCancel(p.io, p.options),
});

export const jobsItemsCommand = jobCommand({
  name: 'items',
  summary: "a job's numbers with their outcomes, as CSV",
  what: "Prints the job's numbers in request order with their outcomes, as CSV\n(position,telephoneNumber,outcome,currentStatus,detail,processedAt).",
  extraHelp:
    '  --outcome <code>   only this outcome (SUCCEEDED, INVALID_STATUS, NOT_PROCESSED, …)\n',
  extraOptions: { outcome: { type: 'string' } },
  run: (client, p) =>
    client.jobsItems(p.io, { ...p.options, outcome: p.values.outcome as string | undefined }),
});

export const jobsListCommand: Command = {
  path: ['jobs', 'list'],
  summary: "the operator's jobs, newest first",
  help: `Usage: ${PROGRAM} jobs list [--state <state>] [--limit N] [options]

Lists the key's operator's jobs, newest first.

Options:
  --state <state>    ${STATES.join(', ')}
  --limit N          how many (1-100, default 20)
${CONNECTION_HELP}
  -h, --help         show this help
`,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(
      'jobs list',
      args,
      { ...CONNECTION_OPTIONS, state: { type: 'string' }, limit: { type: 'string' } },
      false,
    );
    if (values.help) return printHelp(ctx.io, this.help);
    if (positionals.length > 0) throw new UsageError('unexpected argument', 'jobs list');
    if (values.state && !STATES.includes(values.state)) {
      throw new UsageError(`--state must be one of ${STATES.join(', ')}`, 'jobs list');
    }
    const limit = Number(values.limit ?? 20);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new UsageError('--limit must be an integer from 1 to 100', 'jobs list');
    }
    const { jobsList } = await import('../client/jobs.ts');
    return jobsList(clientIo(ctx), {
      url: values.url,
      keyFile: values['key-file'],
      tokenFile: values['token-file'],
      json: values.json ?? false,
      state: values.state,
      limit,
    });
  },
};
