import { Readable } from 'node:stream';
import { type CliIo, createCliContext } from '../../src/cli/context.ts';
import { runCli } from '../../src/cli/program.ts';

/** CliIo that keeps what commands write, for assertions. */
export function captureIo(stdinText?: string): CliIo & { out(): string; err(): string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    ...(stdinText === undefined ? {} : { stdin: Readable.from([stdinText]) }),
    out: () => out,
    err: () => err,
  };
}

/** Runs one command line in process against `databaseUrl`, as `npm run cli -- …` would. */
export async function cli(
  databaseUrl: string,
  argv: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
) {
  const io = captureIo(options.stdin);
  const env = { NODE_ENV: 'test', DATABASE_URL: databaseUrl, ...options.env };
  const code = await runCli(argv, createCliContext(io, env));
  return { code, stdout: io.out(), stderr: io.err() };
}

/** An inventory CSV from rows of the five contract fields. */
export function inventoryCsv(
  rows: string[][],
  header = 'telephoneNumber,status,operator,msTenantId,operatorConnect',
) {
  return `${[header, ...rows.map((r) => r.join(','))].join('\n')}\n`;
}
