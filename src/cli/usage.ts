import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CliError } from './cli-error.ts';
import type { CliContext, CliIo } from './context.ts';

/** How the CLI is invoked, as shown in help texts. */
export const PROGRAM = 'npm run cli --';

/** A wrong command line: the CLI prints the message and a pointer to help, and exits 2. */
export class UsageError extends CliError {
  override name = 'UsageError';
  readonly helpCommand: string;
  constructor(message: string, helpCommand: string) {
    super(2, message);
    this.helpCommand = helpCommand;
  }
}

/** One runnable command, e.g. `keys create` or `submit`. */
export interface Command {
  /** Group and name (['keys', 'create']), or a name alone for a top-level command (['submit']). */
  path: readonly [string] | readonly [string, string];
  summary: string;
  help: string;
  run(args: string[], ctx: CliContext): Promise<number>;
}

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * node:util parseArgs in strict mode plus `-h/--help`; its errors (unknown flag, missing
 * value) become UsageErrors naming the command. `positionals`: whether the command takes
 * arguments, or the name of its one argument (`argument`: required, and nothing may follow it
 * unless `--help` was asked for).
 */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: string[],
  options: T,
  positionals: boolean | string,
) {
  const parse = () =>
    parseArgs({
      args,
      options: { ...options, ...HELP_OPTION },
      allowPositionals: positionals !== false,
      strict: true,
    });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (err) {
    throw new UsageError((err as Error).message, command);
  }
  const help = (parsed.values as { help?: boolean }).help === true;
  const one = typeof positionals === 'string' && !help;
  return { ...parsed, argument: one ? theArgument(parsed.positionals, positionals, command) : '' };
}

function theArgument(positionals: string[], what: string, command: string): string {
  const [value, ...extra] = positionals;
  if (!value) throw new UsageError(`${what} is required`, command);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, command);
  return value;
}

export function printHelp(io: CliIo, text: string): number {
  io.stdout.write(text);
  return 0;
}
