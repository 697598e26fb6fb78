import { randomBytes, randomUUID } from 'node:crypto';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, migrateDatabase } from '../../src/db/migrate.ts';
import { readMigrations } from '../../src/db/migrations/files.ts';
import type { LockTimeoutEvent } from '../../src/db/migrations/lock-retry.ts';
import { cli } from '../support/cli-harness.ts';
import { dropDatabaseAt } from '../support/database-handle.ts';
import { type MigrationFolder, makeMigrationFolder } from '../support/migration-folder.ts';
import { directDatabaseUrl, PG_ADMIN_URL } from '../support/services.ts';
import { waitFor } from '../support/wait.ts';
import { holdTransaction } from '../support/worker-blocker.ts';

// `db migrate` on a database in use: a statement that waits past its lock_timeout gives up
// (so the service's queries do not queue behind it), the migration is retried with pauses,
// and after the last retry the step fails with a clear message and nothing half-applied.
// Each test starts from a database that drizzle's own migrator took to 0003, as deployed
// databases were, and holds a lock the next migration needs from another connection.

const NEW_INDEX = '0004_idempotency_keys_job_index';
/** What `db migrate` applies to such a database: 0004 and every migration after it. */
const FROM_0004 = readMigrations(MIGRATIONS_FOLDER)
  .slice(4)
  .map((m) => m.tag);

let name: string;
let url: string;
let sql: postgres.Sql;
let folders: MigrationFolder[] = [];

beforeEach(async () => {
  name = `ocn_t_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  url = directDatabaseUrl(name);
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin`create database ${admin(name)}`.finally(() => admin.end({ timeout: 5 }));
  sql = postgres(url, { max: 3, onnotice: () => {} });
  const upTo0003 = await folder(4);
  await migrate(drizzle(sql), { migrationsFolder: upTo0003.dir });
});

afterEach(async () => {
  await sql.end({ timeout: 5 });
  await dropDatabaseAt(PG_ADMIN_URL, name);
  await Promise.all(folders.map((f) => f.remove()));
  folders = [];
});

async function folder(keep: number, extra: { name: string; sql: string }[] = []) {
  const made = await makeMigrationFolder(keep, extra);
  folders.push(made);
  return made;
}

/** An open transaction that wrote an Idempotency-Key, as the API's job creation does. */
async function writerOnIdempotencyKeys() {
  const [op] = await sql<{ id: string }[]>`insert into operators (slug) values ('op') returning id`;
  const jobId = randomUUID();
  await sql`insert into jobs (id, operator_id, telephone_numbers, requested_count)
            values (${jobId}, ${op?.id as string}, '{+14255550100}', 1)`;
  return holdTransaction(
    sql,
    (tx) => tx`insert into idempotency_keys (operator_id, key, request_hash, job_id)
               values (${op?.id as string}, 'k', 'h', ${jobId})`,
  );
}

const recorded = async () =>
  (await sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`)[0]?.n;
const indexState = async (index: string) =>
  (
    await sql<{ valid: boolean }[]>`
      select indisvalid as valid from pg_index where indexrelid = to_regclass(${index})`
  )[0];
const hasColumn = async (table: string, column: string) =>
  (
    await sql`select 1 from information_schema.columns
              where table_name = ${table} and column_name = ${column}`
  ).length === 1;

describe('db migrate under a lock_timeout', () => {
  it('waits out a writer by retrying, then builds the index CONCURRENTLY (a half-built one is rebuilt)', async () => {
    const release = await writerOnIdempotencyKeys();
    const events: LockTimeoutEvent[] = [];
    const migrating = migrateDatabase(url, {
      concurrentlyLockTimeoutMs: 200,
      lockRetries: 100,
      retryDelayMs: 50,
      onLockTimeout: (e) => events.push(e),
    });
    await waitFor('two lock timeouts', async () => (events.length >= 2 ? true : undefined));
    // The build that timed out left its index behind, INVALID.
    expect(await indexState('idempotency_keys_job_idx')).toEqual({ valid: false });
    expect(events[0]).toMatchObject({ migration: NEW_INDEX, attempt: 1, attempts: 101 });
    expect(events[0]?.statement).toMatch(/^CREATE INDEX CONCURRENTLY IF NOT EXISTS/);
    expect(events[0]?.reason).toContain('lock timeout');
    await release();

    expect(await migrating).toEqual(FROM_0004);
    expect(await indexState('idempotency_keys_job_idx')).toEqual({ valid: true });
    expect(await recorded()).toBe(4 + FROM_0004.length);
  });

  describe('a migration in one transaction', () => {
    const twoTables = () =>
      folder(4, [
        {
          name: 'two_tables',
          sql: 'ALTER TABLE "jobs" ADD COLUMN "note" text;--> statement-breakpoint\nALTER TABLE "operators" ADD COLUMN "note" text;',
        },
      ]);
    // A long read of operators: its ACCESS SHARE lock keeps the second ALTER waiting.
    const reader = () => holdTransaction(sql, (tx) => tx`select count(*) from operators`);

    it('is retried until the lock is free', async () => {
      const migrations = await twoTables();
      const release = await reader();
      const events: LockTimeoutEvent[] = [];
      const migrating = migrateDatabase(url, {
        migrationsFolder: migrations.dir,
        lockTimeoutMs: 100,
        lockRetries: 100,
        retryDelayMs: 50,
        onLockTimeout: (e) => events.push(e),
      });
      await waitFor('a lock timeout', async () => (events.length >= 1 ? true : undefined));
      expect(events[0]?.statement).toBe('ALTER TABLE "operators" ADD COLUMN "note" text;');
      await release();
      expect(await migrating).toEqual(['0004_two_tables']);
      expect([await hasColumn('jobs', 'note'), await hasColumn('operators', 'note')]).toEqual([
        true,
        true,
      ]);
    });

    it('gives up after its retries with nothing of it applied', async () => {
      const migrations = await twoTables();
      const release = await reader();
      const events: LockTimeoutEvent[] = [];
      try {
        await expect(
          migrateDatabase(url, {
            migrationsFolder: migrations.dir,
            lockTimeoutMs: 100,
            lockRetries: 2,
            retryDelayMs: 10,
            onLockTimeout: (e) => events.push(e),
          }),
        ).rejects.toThrow(
          /^migration 0004_two_tables could not get the locks it needs: canceling statement due to lock timeout on each of 3 attempts .*Nothing of it was applied/,
        );
        expect(events.map((e) => e.delayMs)).toEqual([10, 20]);
        // The first ALTER succeeded each time and was rolled back with the second.
        expect(await hasColumn('jobs', 'note')).toBe(false);
        expect(await recorded()).toBe(4);
      } finally {
        await release();
      }
    });
  });

  it('fails `db migrate` with exit code 1 and a clear message once the retries are spent', async () => {
    const release = await writerOnIdempotencyKeys();
    const env = { MIGRATE_CONCURRENTLY_LOCK_TIMEOUT_MS: '100', MIGRATE_LOCK_RETRIES: '1' };
    const failed = await cli(url, ['db', 'migrate'], { env }).finally(release);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      new RegExp(
        `^warning: migration ${NEW_INDEX}: canceling statement due to lock timeout at: CREATE INDEX CONCURRENTLY .*; attempt 1 of 2 gave up, next in 1000 ms\n`,
      ),
    );
    expect(failed.stderr).toContain(
      `error: migration ${NEW_INDEX} could not get the locks it needs`,
    );
    expect(failed.stderr).toContain('pg_blocking_pids()');
    expect(failed.stderr).not.toMatch(/\n\s+at /);
    expect(await recorded()).toBe(4);

    // The writer is gone: the next run drops the half-built index and builds it.
    const again = await cli(url, ['db', 'migrate'], { env });
    expect(again.stdout).toContain(`is ready: applied ${FROM_0004.join(', ')}.`);
    expect(again.code).toBe(0);
    expect(await indexState('idempotency_keys_job_idx')).toEqual({ valid: true });
  });
});
