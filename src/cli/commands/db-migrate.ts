import { prepareDatabase } from '../../db/migrate.ts';
import type { CliIo } from '../context.ts';
import { type Command, PROGRAM, parseCommandArgs, printHelp } from '../usage.ts';

/** Creates the database when missing and applies pending migrations; safe to run again. */
export async function dbMigrate(deps: { databaseUrl: string; io: CliIo }): Promise<number> {
  await prepareDatabase(deps.databaseUrl);
  // Host and name only: the URL may carry a password.
  const url = new URL(deps.databaseUrl);
  deps.io.stdout.write(
    `Database ${decodeURIComponent(url.pathname.slice(1))} on ${url.host} is ready: migrations applied.\n`,
  );
  return 0;
}

export const dbMigrateCommand: Command = {
  path: ['db', 'migrate'],
  summary: 'create the database if missing and apply migrations',
  help: `Usage: ${PROGRAM} db migrate

Creates the database named by DATABASE_URL if it does not exist and applies every
pending migration from drizzle/. Running it again changes nothing; concurrent runs
wait for each other.

Options:
  -h, --help  show this help
`,
  async run(args, ctx) {
    const { values } = parseCommandArgs('db migrate', args, {}, false);
    if (values.help) return printHelp(ctx.io, this.help);
    return dbMigrate({ databaseUrl: ctx.config().databaseUrl, io: ctx.io });
  },
};
