import type { Config } from '../config.ts';
import type { Database, Sql } from '../db/client.ts';
import { IMPORT_PARTS } from '../numbers/import/contract.ts';

/** Where a command writes: process.stdout/stderr in the real CLI, a buffer in tests. */
export interface Output {
  write(text: string): unknown;
}

export interface CliIo {
  stdout: Output;
  stderr: Output;
  /** Input for commands that read "-"; absent when there is none. */
  stdin?: NodeJS.ReadableStream;
}

/**
 * What every command may use. Nothing is loaded or opened until a command asks for it: the
 * database driver alone takes seconds to load, which `--help` should not pay.
 */
export interface CliContext {
  io: CliIo;
  /**
   * The environment as given: the bulk client (src/cli/client/) reads its own few variables
   * from it (OCN_API_KEY, OCN_URL, …), since it runs where the service's configuration is not.
   */
  env: Record<string, string | undefined>;
  /** The validated configuration; rejects with a ConfigError, which the CLI prints as is. */
  config(): Promise<Config>;
  /** Opens the configured database for the duration of `fn`, then closes it. */
  withDb<T>(fn: (db: Database, config: Config) => Promise<T>): Promise<T>;
  /** The same as a bare postgres.js pool, without Drizzle (and its memory). */
  withSql<T>(fn: (sql: Sql, config: Config) => Promise<T>): Promise<T>;
}

/** `env` undefined reads the process environment (through loadConfig, its only reader). */
export function createCliContext(io: CliIo, env?: Record<string, string | undefined>): CliContext {
  let config: Config | undefined;
  const getConfig = async () => {
    const { loadConfig } = await import('../config.ts');
    config ??= loadConfig(env);
    return config;
  };
  return {
    io,
    env: env ?? process.env,
    config: getConfig,
    async withDb(fn) {
      const current = await getConfig();
      const { closeDb, createDb } = await import('../db/client.ts');
      const db = createDb(current.databaseUrl, cliPoolOptions(current));
      try {
        return await fn(db, current);
      } finally {
        await closeDb(db);
      }
    },
    async withSql(fn) {
      const current = await getConfig();
      const { createPool } = await import('../db/pool.ts');
      const sql = createPool(current.databaseUrl, cliPoolOptions(current));
      try {
        return await fn(sql, current);
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };
}

/**
 * One command at a time needs few connections: `numbers import` holds one per part
 * (IMPORT_PARTS) for its whole run. The name tells the CLI apart in pg_stat_activity.
 */
function cliPoolOptions(config: Config) {
  return {
    poolMax: Math.max(2, IMPORT_PARTS),
    applicationName: 'oc-numbers-cli',
    prepare: config.databasePrepare,
  };
}
