import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { applyPending, type LockSettings } from './migrations/apply.ts';
import { MIGRATE_DEFAULTS } from './migrations/defaults.ts';
import { readMigrations } from './migrations/files.ts';
import { describeLockTimeout, type LockTimeoutEvent } from './migrations/lock-retry.ts';
import { backfillNumberCounts } from './migrations/number-counts-backfill.ts';
import { applyDatabaseSettings } from './settings.ts';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

export const MIGRATE_APPLICATION_NAME = 'oc-numbers-migrate';

export interface MigrateOptions extends Partial<LockSettings> {
  /** drizzle/ unless a test says otherwise. */
  migrationsFolder?: string;
  /** Told of each lock timeout before the pause; by default a process warning. */
  onLockTimeout?: (event: LockTimeoutEvent) => void;
}

/** Creates the database named in `url` when it does not exist yet. Safe to run concurrently. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  try {
    const [found] = await sql`select 1 as found from pg_database where datname = ${name}`;
    if (found) return;
    await sql`create database ${sql(name)}`.catch((err: unknown) => {
      // Created meanwhile by another process starting at the same time: 42P04 (duplicate
      // database), or 23505 when both inserted into pg_database at once.
      const code = (err as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw err;
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Applies every pending migration in drizzle/ (each safe on a running service: see
 * migrations/) and stores the database settings; running it twice is a no-op. Returns the tags
 * it applied. Connect it to the primary directly, never through a transaction-mode pooler: the
 * advisory lock below and a CONCURRENTLY migration's settings are session-level.
 */
export async function migrateDatabase(
  url: string,
  options: MigrateOptions = {},
): Promise<string[]> {
  const migrations = readMigrations(options.migrationsFolder ?? MIGRATIONS_FOLDER);
  const { migrationsFolder: _, onLockTimeout = warnOfLockTimeout, ...given } = options;
  const settings: LockSettings = { ...MIGRATE_DEFAULTS, ...given };
  const sql = postgres(url, {
    max: 1,
    onnotice: () => {},
    // Named in pg_stat_activity, so whoever looks for what waits on what sees the migrate step.
    connection: { application_name: MIGRATE_APPLICATION_NAME },
  });
  try {
    // Serialise concurrent starters (several workers booting at once) on one advisory lock,
    // taken before any lock_timeout is set: the others wait for it as long as it takes. max: 1
    // keeps the lock and the migrations on the same connection.
    await sql`select pg_advisory_lock(hashtext('oc-numbers:migrate'))`;
    const applied = await applyPending(sql, migrations, settings, onLockTimeout);
    await applyDatabaseSettings(sql);
    // Data a migration could not fill in without a long lock; a no-op once done.
    await backfillNumberCounts(sql);
    await sql`select pg_advisory_unlock(hashtext('oc-numbers:migrate'))`;
    return applied;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function warnOfLockTimeout(event: LockTimeoutEvent): void {
  process.emitWarning(describeLockTimeout(event));
}

export async function prepareDatabase(
  url: string,
  options: MigrateOptions = {},
): Promise<string[]> {
  await ensureDatabase(url);
  return migrateDatabase(url, options);
}
