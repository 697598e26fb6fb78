import { prepareDatabase } from '../../db/migrate.ts';
import type { CliIo } from '../context.ts';

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
