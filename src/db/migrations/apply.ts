import type postgres from 'postgres';
import { type Migration, withoutComments } from './files.ts';
import {
  type LockTimeoutEvent,
  type RetrySettings,
  StatementError,
  withLockRetries,
} from './lock-retry.ts';

// Applies the pending migrations one by one, each in its mode (files.ts), under a lock_timeout
// and with retries (lock-retry.ts). The bookkeeping is drizzle's own table and rule: a row
// (hash, created_at = the journal's `when`) per applied migration, and every migration newer
// than the newest row is pending. So databases that drizzle's migrator migrated carry on here,
// and the other way round.

export interface LockSettings extends RetrySettings {
  /** lock_timeout of every statement of a `transaction` migration. */
  lockTimeoutMs: number;
  /** lock_timeout of each statement of a `concurrently` migration. */
  concurrentlyLockTimeoutMs: number;
}

const RERUN_NOTE = {
  transaction: 'Nothing of it was applied (the migrations before it were).',
  concurrently:
    'Its statements that finished stay (each is safe to run again); an index it left half-built is INVALID, unused by queries, and the next run drops and rebuilds it.',
};

/** `sql` must be one connection (max: 1): a `concurrently` migration sets session settings. */
export async function applyPending(
  sql: postgres.Sql,
  migrations: readonly Migration[],
  settings: LockSettings,
  onLockTimeout: (event: LockTimeoutEvent) => void,
): Promise<string[]> {
  await sql`create schema if not exists drizzle`;
  await sql`create table if not exists drizzle.__drizzle_migrations (
    id serial primary key, hash text not null, created_at bigint)`;
  const [last] = await sql<{ createdAt: string }[]>`
    select created_at::text as "createdAt" from drizzle.__drizzle_migrations
    order by created_at desc limit 1`;
  const pending = migrations.filter((m) => !last || Number(last.createdAt) < m.createdAt);
  for (const migration of pending) {
    const apply =
      migration.mode === 'transaction'
        ? () => inOneTransaction(sql, migration, settings.lockTimeoutMs)
        : () => oneByOne(sql, migration, settings.concurrentlyLockTimeoutMs);
    await withLockRetries(
      migration.tag,
      apply,
      { ...settings, rerunNote: RERUN_NOTE[migration.mode] },
      onLockTimeout,
    );
  }
  return pending.map((m) => m.tag);
}

async function inOneTransaction(sql: postgres.Sql, migration: Migration, lockTimeoutMs: number) {
  await sql.begin(async (tx) => {
    await tx.unsafe(`set local lock_timeout = ${Math.trunc(lockTimeoutMs)}`);
    for (const statement of migration.statements) await run(tx, statement);
    await record(tx, migration);
  });
}

async function oneByOne(sql: postgres.Sql, migration: Migration, lockTimeoutMs: number) {
  await sql.unsafe(`set lock_timeout = ${Math.trunc(lockTimeoutMs)}`);
  try {
    for (const statement of migration.statements) {
      await dropInvalidLeftover(sql, statement);
      await run(sql, statement);
    }
  } finally {
    // If the connection is gone this fails too; the error that matters is the one above.
    await sql.unsafe('reset lock_timeout').catch(() => undefined);
  }
  await record(sql, migration);
}

/** A connection, or a transaction on it. */
type Session = postgres.Sql | postgres.TransactionSql;

async function run(sql: Session, statement: string): Promise<void> {
  try {
    await sql.unsafe(statement);
  } catch (err) {
    throw new StatementError(statement, err);
  }
}

async function record(sql: Session, migration: Migration): Promise<void> {
  await sql.unsafe(
    'insert into drizzle.__drizzle_migrations (hash, created_at) values ($1, $2::bigint)',
    [migration.hash, String(migration.createdAt)],
  );
}

const CREATE_CONCURRENTLY =
  /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+IF\s+NOT\s+EXISTS\s+("(?:[^"]|"")+"|[a-z_][\w$]*)/i;

/**
 * A CREATE INDEX CONCURRENTLY that failed (a lock timeout, a crash) leaves its index behind,
 * INVALID; IF NOT EXISTS would then skip it and the index would never be built. Drop it first.
 */
async function dropInvalidLeftover(sql: postgres.Sql, statement: string): Promise<void> {
  const name = CREATE_CONCURRENTLY.exec(withoutComments(statement))?.[1];
  if (!name) return;
  const [index] = await sql<{ valid: boolean }[]>`
    select indisvalid as valid from pg_index where indexrelid = to_regclass(${name})`;
  if (index && !index.valid) await run(sql, `drop index concurrently if exists ${name}`);
}
