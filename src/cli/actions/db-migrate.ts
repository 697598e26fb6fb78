import type { Config } from '../../config.ts';
import { prepareDatabase } from '../../db/migrate.ts';
import { describeLockTimeout } from '../../db/migrations/lock-retry.ts';
import type { CliIo } from '../context.ts';

/**
 * Creates the database when missing and applies pending migrations; safe to run again. A lock
 * timeout is a warning line on stderr and a retry; running out of retries fails the command
 * (exit 1) with what to do.
 */
export async function dbMigrate(deps: {
  databaseUrl: string;
  migrate: Config['migrate'];
  io: CliIo;
}): Promise<number> {
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
