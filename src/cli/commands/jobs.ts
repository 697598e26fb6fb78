import type { CliContext } from '../context.ts';
import { type Command, PROGRAM, parseCommandArgs, printHelp, UsageError } from '../usage.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, clientIo, withInterrupt } from './client-common.ts';

// `jobs list|get|watch|cancel|items`: the job API over HTTP, like `submit` (key from
// OCN_API_KEY or --key-file).

const STATES = ['queued', 'active', 'completed', 'cancelled', 'failed'];

function withJobId(name: string, args: string[], ctx: CliContext, extra = {}) {
  const parsed = parseCommandArgs(`jobs ${name}`, args, { ...CONNECTION_OPTIONS, ...extra }, true);
  const [jobId, ...rest] = parsed.positionals;
  if (!parsed.values.help) {
    if (!jobId) throw new UsageError('the job id is required', `jobs ${name}`);
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`, `jobs ${name}`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const common = {
    url: values.url as string | undefined,
    keyFile: values['key-file'] as string | undefined,
    json: (values.json as boolean | undefined) ?? false,
  };
  return { help: values.help === true, values, common, jobId: jobId ?? '', io: clientIo(ctx) };
}

const jobHelp = (
  name: string,
  what: string,
  extra = '',
) => `Usage: ${PROGRAM} jobs ${name} <jobId> [options]

${what}

Options:
${extra}${CONNECTION_HELP}
  -h, --help         show this help
`;

export const jobsGetCommand: Command = {
  path: ['jobs', 'get'],
  summary: 'show one job: state, progress, result',
  help: jobHelp('get', 'Shows the job: state, progress and, once it ended, its result.'),
  async run(args, ctx) {
    const p = withJobId('get', args, ctx);
    if (p.help) return printHelp(ctx.io, this.help);
    const { jobsGet } = await import('../client/jobs.ts');
    return jobsGet(p.io, { ...p.common, jobId: p.jobId });
  },
};

export const jobsWatchCommand: Command = {
  path: ['jobs', 'watch'],
  summary: 'follow a job with a live progress bar until it ends',
  help: jobHelp(
    'watch',
    'Follows the job until it ends (a progress bar on a terminal, a line per change\notherwise). Ctrl-C stops watching; the job goes on. Exit 0 when every number\nsucceeded, 1 otherwise, 4 when the job failed.',
  ),
  async run(args, ctx) {
    const p = withJobId('watch', args, ctx);
    if (p.help) return printHelp(ctx.io, this.help);
    const { jobsWatch } = await import('../client/jobs.ts');
    return withInterrupt((signal) => jobsWatch(p.io, { ...p.common, jobId: p.jobId }, signal));
  },
};

export const jobsCancelCommand: Command = {
  path: ['jobs', 'cancel'],
  summary: 'cancel a queued or running job (processed numbers stay processed)',
  help: jobHelp(
    'cancel',
    'Cancels the job: numbers already processed stay processed, the rest are left\nuntouched. A job that already ended is not changed (exit 1).',
  ),
  async run(args, ctx) {
    const p = withJobId('cancel', args, ctx);
    if (p.help) return printHelp(ctx.io, this.help);
    const { jobsCancel } = await import('../client/jobs.ts');
    return jobsCancel(p.io, { ...p.common, jobId: p.jobId });
  },
};

export const jobsItemsCommand: Command = {
  path: ['jobs', 'items'],
  summary: "a job's numbers with their outcomes, as CSV",
  help: jobHelp(
    'items',
    "Prints the job's numbers in request order with their outcomes, as CSV\n(position,telephoneNumber,outcome,currentStatus,detail,processedAt).",
    '  --outcome <code>   only this outcome (SUCCEEDED, INVALID_STATUS, NOT_PROCESSED, …)\n',
  ),
  async run(args, ctx) {
    const p = withJobId('items', args, ctx, { outcome: { type: 'string' } });
    if (p.help) return printHelp(ctx.io, this.help);
    const { jobsItems } = await import('../client/jobs.ts');
    const outcome = p.values.outcome as string | undefined;
    return jobsItems(p.io, { ...p.common, jobId: p.jobId, outcome });
  },
};

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
      json: values.json ?? false,
      state: values.state,
      limit,
    });
  },
};
