import { type Config, ConfigError, loadConfig } from './config.ts';
import { prepareDatabase } from './db/migrate.ts';
import { describeLockTimeout } from './db/migrations/lock-retry.ts';
import type { Logger } from './logger.ts';
import { ServicesUnavailableError } from './preflight.ts';
import { stopTracing } from './telemetry/state.ts';

// What every process entry (npm start, start:api, start:worker) does the same way.

/** The config, or the list of every bad variable on stderr and exit code 1. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

/**
 * MIGRATE_ON_START: creates the database if missing and applies pending migrations under the
 * MIGRATE_* settings, logging each lock timeout it waits out.
 */
export async function migrateOnStart(config: Config, logger: Logger): Promise<void> {
  if (!config.migrateOnStart) return;
  await prepareDatabase(config.databaseUrl, {
    ...config.migrate,
    onLockTimeout: (event) => logger.warn({ migration: event }, describeLockTimeout(event)),
  });
}

/**
 * On SIGTERM or SIGINT runs `close` once, flushes the spans still batched (tracing on), then
 * lets the process end on its own: a handle left open is a bug, so the process exits with 1 if
 * it is still alive `deadlineMs` later.
 */
export function closeOnSignals(
  logger: Logger,
  deadlineMs: number,
  close: () => Promise<void>,
): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, deadlineMs).unref();
    close()
      .then(
        () => logger.info('stopped'),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exitCode = 1;
        },
      )
      // Last: the spans of the shutdown itself are sent too.
      .finally(stopTracing);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/**
 * The end of a process that could not start: one message on stderr, no stack (a missing
 * Postgres or Redis is named with its URL, its setting and how to get it), exit code 1.
 */
export function exitOnStartFailure(processName: string): (err: unknown) => never {
  return (err) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(
      err instanceof ServicesUnavailableError
        ? `${processName} cannot start: a store it needs is missing\n${message}\n`
        : `${processName} failed to start: ${message}\n`,
    );
    process.exit(1);
  };
}
