import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';

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
  /** The validated configuration; rejects with a ConfigError, which the CLI prints as is. */
  config(): Promise<Config>;
  /** Opens the configured database for the duration of `fn`, then closes it. */
  withDb<T>(fn: (db: Db, config: Config) => Promise<T>): Promise<T>;
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
    config: getConfig,
    async withDb(fn) {
      const current = await getConfig();
      const { createDb } = await import('../db/client.ts');
      const db = createDb(current.databaseUrl, {
        poolMax: 2,
        applicationName: 'oc-numbers-cli',
        prepare: current.databasePrepare,
      });
      try {
        return await fn(db, current);
      } finally {
        await db.close();
      }
    },
  };
}
