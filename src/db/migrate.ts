import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { applyDatabaseSettings } from './settings.ts';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

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
 * Applies every pending migration in drizzle/ and stores the database settings; running it
 * twice is a no-op. Connect it to the primary directly, never through a transaction-mode
 * pooler: the advisory lock below is session-level.
 */
export async function migrateDatabase(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // Serialise concurrent starters (several workers booting at once) on one advisory lock;
    // max: 1 keeps the lock and the migration on the same connection.
    await sql`select pg_advisory_lock(hashtext('oc-numbers:migrate'))`;
    await migrate(drizzle(sql), { migrationsFolder: MIGRATIONS_FOLDER });
    await applyDatabaseSettings(sql);
    await sql`select pg_advisory_unlock(hashtext('oc-numbers:migrate'))`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export async function prepareDatabase(url: string): Promise<void> {
  await ensureDatabase(url);
  await migrateDatabase(url);
}
