// Where the tests find the local services. CI and developers use the machine's own
// PostgreSQL and Redis; both can be overridden.
export const PG_ADMIN_URL =
  process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Set by `npm run test:pgbouncer` (test/pgbouncer-run.ts): the service's connections, and the
 * tests' own, then go through a PgBouncer in transaction mode at this URL, while creating,
 * migrating and dropping databases stays on Postgres directly, as in production.
 */
export const PG_POOLER_URL = process.env.TEST_PG_POOLER_URL || undefined;

/** What every service process and test config needs behind the pooler. */
export const POOLER_ENV: Record<string, string> = PG_POOLER_URL
  ? { DATABASE_PREPARE: 'false', MIGRATE_ON_START: 'false' }
  : {};

/**
 * The URL services and tests use for database `name`: through the pooler when there is one,
 * with `?prepare=false` so every postgres.js client on it (the tests' own too) sends unnamed
 * statements, as PgBouncer 1.18 in transaction mode requires.
 */
export function databaseUrl(name: string): string {
  const url = new URL(PG_POOLER_URL ?? PG_ADMIN_URL);
  url.pathname = `/${name}`;
  if (PG_POOLER_URL) url.searchParams.set('prepare', 'false');
  return url.toString();
}

/** Database `name` on Postgres itself: for migrations and other session-level work. */
export function directDatabaseUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
