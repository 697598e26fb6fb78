import type { Config } from '../../config.ts';
import type { CliIo } from '../context.ts';
import { type Command, PROGRAM, parseCommandArgs, printHelp } from '../usage.ts';

export const dbMigrateCommand: Command = {
  path: ['db', 'migrate'],
  summary: 'create the database if missing and apply migrations',
  help: `Usage: ${PROGRAM} db migrate

Creates the database named by DATABASE_URL if it does not exist and applies every
pending migration from drizzle/. Running it again changes nothing; concurrent runs
wait for each other. Safe while the service runs: a statement that waits longer than
MIGRATE_LOCK_TIMEOUT_MS for a lock gives up (so requests do not queue behind it) and the
migration is retried up to MIGRATE_LOCK_RETRIES times, with pauses from 1 s to 30 s.
Exit code: 0 migrated, 1 failed (a migration that failed changed nothing, or only what
is safe to run again; the message says what blocked it).

Options:
  -h, --help  show this help
`,
  async run(args, ctx) {
    const { values } = parseCommandArgs('db migrate', args, {}, false);
    if (values.help) return printHelp(ctx.io, this.help);
    const config = await ctx.config();
    return dbMigrate({ databaseUrl: config.databaseUrl, migrate: config.migrate, io: ctx.io });
  },
};

/**
 * Creates the database when missing and applies pending migrations; safe to run again. A lock
 * timeout is a warning line on stderr and a retry; running out of retries fails the command
 * (exit 1) with what to do.
 */
async function dbMigrate(deps: {
  databaseUrl: string;
  migrate: Config['migrate'];
  io: CliIo;
}): Promise<number> {
  const { prepareDatabase } = await import('../../db/migrate.ts');
  const { describeLockTimeout } = await import('../../db/migrations/lock-retry.ts');
  const applied = await prepareDatabase(deps.databaseUrl, {
    ...deps.migrate,
    onLockTimeout: (event) => deps.io.stderr.write(`warning: ${describeLockTimeout(event)}\n`),
  });
  // Host and name only: the URL may carry a password.
  const url = new URL(deps.databaseUrl);
  const done = applied.length === 0 ? 'nothing to apply' : `applied ${applied.join(', ')}`;
  deps.io.stdout.write(
    `Database ${decodeURIComponent(url.pathname.slice(1))} on ${url.host} is ready: ${done}.\n`,
  );
  return 0;
}
