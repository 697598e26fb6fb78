import { CliError } from './cli-error.ts';
import { clientsAddCommand, clientsListCommand, clientsRemoveCommand } from './commands/clients.ts';
import { dbMigrateCommand } from './commands/db-migrate.ts';
import {
  jobsCancelCommand,
  jobsGetCommand,
  jobsItemsCommand,
  jobsListCommand,
  jobsWatchCommand,
} from './commands/jobs.ts';
import { keysCreateCommand, keysListCommand, keysRevokeCommand } from './commands/keys.ts';
import { numbersImportCommand } from './commands/numbers-import.ts';
import { submitCommand } from './commands/submit.ts';
import type { CliContext } from './context.ts';
import { type Command, PROGRAM, printHelp, UsageError } from './usage.ts';

export const COMMANDS: readonly Command[] = [
  keysCreateCommand,
  keysListCommand,
  keysRevokeCommand,
  clientsAddCommand,
  clientsListCommand,
  clientsRemoveCommand,
  numbersImportCommand,
  dbMigrateCommand,
  submitCommand,
  jobsListCommand,
  jobsGetCommand,
  jobsWatchCommand,
  jobsCancelCommand,
  jobsItemsCommand,
];

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h' || arg === 'help';

/**
 * Runs one command line and returns the exit code: 0 ok, 1 failed, 2 usage error (the bulk
 * client's commands add 3 interrupted and 4 service refused; see docs/cli.md).
 */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  try {
    return await dispatch(argv, ctx);
  } catch (err) {
    const { stderr } = ctx.io;
    if (err instanceof UsageError) {
      const helpLine = [PROGRAM, err.helpCommand, '--help'].filter(Boolean).join(' ');
      stderr.write(`error: ${err.message}\nRun "${helpLine}" for usage.\n`);
      return 2;
    }
    if (err instanceof CliError) {
      stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    // By name: importing ConfigError here would load the config schema for every --help.
    if (err instanceof Error && err.name === 'ConfigError') {
      stderr.write(`${err.message}\n`);
      return 1;
    }
    stderr.write(`error: ${describe(err)}\n`);
    return 1;
  }
}

async function dispatch(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [group, name, ...args] = argv;
  if (group === undefined || isHelp(group)) {
    if (group === undefined) {
      ctx.io.stderr.write(overview(COMMANDS, 'Usage'));
      return 2;
    }
    return printHelp(ctx.io, overview(COMMANDS, 'Usage'));
  }
  const single = COMMANDS.find((c) => c.path.length === 1 && c.path[0] === group);
  if (single) return single.run(argv.slice(1), ctx);
  const inGroup = COMMANDS.filter((c) => c.path[0] === group);
  if (inGroup.length === 0) throw new UsageError(`unknown command "${group}"`, '');
  if (name === undefined || isHelp(name)) {
    if (name === undefined) throw new UsageError(`"${group}" needs a subcommand`, group);
    return printHelp(ctx.io, overview(inGroup, `Usage (${group})`));
  }
  const command = inGroup.find((c) => c.path[1] === name);
  if (!command) throw new UsageError(`unknown command "${group} ${name}"`, group);
  return command.run(args, ctx);
}

function overview(commands: readonly Command[], title: string): string {
  const width = Math.max(...commands.map((c) => c.path.join(' ').length)) + 2;
  const list = commands.map((c) => `  ${c.path.join(' ').padEnd(width)}${c.summary}`).join('\n');
  return `${title}: ${PROGRAM} <command> [options]

Commands:
${list}

Run "${PROGRAM} <command> --help" for a command's options.
Configuration comes from the environment (DATABASE_URL, PHONE_VALIDATION, …; see .env.example);
submit and jobs read OCN_API_KEY (or OCN_TOKEN) and OCN_URL (see docs/cli.md).
`;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && !err.message.includes(code)
    ? `${err.message} (${code})`
    : err.message;
}
