import { buildApp } from '../src/api/app.ts';
import { closeAppDeps, createAppDeps } from '../src/api/create-deps.ts';
import { loadConfig } from '../src/config.ts';
import type { Env } from '../src/config-env.ts';
import { closeDb } from '../src/db/client.ts';
import { createLogger } from '../src/logger.ts';
import { deletePrefixAt } from '../test/support/redis.ts';
import { createBenchDatabase } from './database.ts';
import { newQueuePrefix } from './queue-prefix.ts';

// For the benches that measure the API inside their own process (the console's pages, the CSV
// export's memory): the app on a bench database and queue prefix of its own, both removed by
// `close`.

/** `--sizes` as ascending whole numbers between 1 and 9,000,000 (`what` they count). */
export function parseSizes(text: string, what: string): number[] {
  const sizes = text
    .split(',')
    .map(Number)
    .sort((a, b) => a - b);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 9_000_000)) {
    throw new Error(`--sizes: comma-separated ${what} between 1 and 9,000,000`);
  }
  return sizes;
}

/**
 * `database`: a bench database to keep (created on first use, closed but not dropped), for a
 * bench that measures an inventory seeded by an earlier run.
 */
export async function startInProcessApp(
  env: Partial<Record<keyof Env, string>> = {},
  options: { database?: string | undefined } = {},
) {
  const base = loadConfig(process.env);
  const db = await createBenchDatabase(base.databaseUrl, options.database);
  const queuePrefix = newQueuePrefix();
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: db.url,
    QUEUE_PREFIX: queuePrefix,
    LOG_LEVEL: 'warn',
    ...env,
  });
  const deps = await createAppDeps(config, createLogger(config));
  const app = await buildApp(deps);
  return {
    db,
    app,
    async close() {
      await app.close();
      await closeAppDeps(deps);
      if (options.database === undefined) await db.drop();
      else await closeDb(db.db);
      await deletePrefixAt(config.redisUrl, queuePrefix);
    },
  };
}
