import { randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MIGRATE_APPLICATION_NAME,
  MIGRATIONS_FOLDER,
  migrateDatabase,
} from '../../src/db/migrate.ts';
import { readMigrations } from '../../src/db/migrations/files.ts';
import { dropDatabaseAt } from '../support/database-handle.ts';
import { assertInvariants, waitForJobsEnded } from '../support/invariants.ts';
import { type ServiceProcess, startService } from '../support/processes.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { databaseUrl, directDatabaseUrl, PG_ADMIN_URL, REDIS_URL } from '../support/services.ts';
import { checkOut, oldCli, previousReleaseRef } from '../support/upgrade/previous-release.ts';
import { startTraffic } from '../support/upgrade/traffic.ts';
import { waitFor } from '../support/wait.ts';

// Expand/contract, tested (docs/operations.md, "Migrations on a running service"): the API and
// worker of the previous release (test/support/upgrade/previous-release.ts says which commit
// that is) serve a client without a single failed request while this checkout's new migrations
// run on their database, and after. The previous release is set up as it was deployed: its
// migrations, then an inventory and a key through its own CLI, then its own API and worker
// processes.

// Two paced lanes (test/support/upgrade/traffic.ts) send at most 160 numbers/s: 24,000 last
// 150 s, longer than the test may take, so the traffic runs through every phase however long
// the migration waits.
const NUMBERS = Array.from({ length: 24_000 }, (_, i) => `+1425${String(5_000_000 + i)}`);

const name = `ocn_t_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
const prefix = uniquePrefix('upgrade');
let checkout: Awaited<ReturnType<typeof checkOut>> | undefined;
let sql: postgres.Sql;
let api: ServiceProcess | undefined;
let worker: ServiceProcess | undefined;
let key: string;
let release: Awaited<ReturnType<typeof previousReleaseRef>>;

beforeAll(async () => {
  release = await previousReleaseRef();
  checkout = await checkOut(release.sha);
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin`create database ${admin(name)}`.finally(() => admin.end({ timeout: 5 }));
  sql = postgres(directDatabaseUrl(name), { max: 4, onnotice: () => {} });

  // Its own migrations, by this checkout's runner (what its `db migrate` applied; the
  // bookkeeping is the same), then its own CLI and processes.
  await migrateDatabase(directDatabaseUrl(name), {
    migrationsFolder: join(checkout.dir, 'drizzle'),
  });
  const csv = join(checkout.dir, 'inventory.csv');
  const tenant = randomUUID();
  await writeFile(
    csv,
    `telephoneNumber,status,operator,msTenantId,operatorConnect\n${NUMBERS.map((n) => `${n},MarkedForRemoval,upgrade,${tenant},true`).join('\n')}\n`,
  );
  const direct = { DATABASE_URL: directDatabaseUrl(name) };
  const env = {
    DATABASE_URL: databaseUrl(name),
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    MIGRATE_ON_START: 'false',
    RATE_LIMIT_MAX: '100000',
    WORKER_CHUNK_SIZE: '10',
  };
  const inventoryAndKey = async () => {
    await oldCli(checkout?.dir as string, ['numbers', 'import', csv], direct);
    return oldCli(checkout?.dir as string, ['keys', 'create', '--operator', 'upgrade'], direct);
  };
  // Each kept as soon as it runs, so afterAll stops it even if another failed to start.
  const [created] = await Promise.all([
    inventoryAndKey(),
    startService('api', env, { root: checkout.dir }).then((p) => (api = p)),
    startService('worker', env, { root: checkout.dir }).then((p) => (worker = p)),
  ]);
  key = created.split('\n')[0] as string;
}, 240_000);

afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await sql?.end({ timeout: 5 });
  await dropDatabaseAt(PG_ADMIN_URL, name);
  await deletePrefix(prefix).catch(() => {});
  await checkout?.remove();
});

/** This checkout's migrations the database has not recorded yet. */
async function pendingMigrations() {
  const [last] = await sql<{ at: string | null }[]>`
    select max(created_at)::text as at from drizzle.__drizzle_migrations`;
  return readMigrations(MIGRATIONS_FOLDER).filter((m) => m.createdAt > Number(last?.at ?? 0));
}

/** A report's open REPEATABLE READ snapshot, as a long CSV export holds one. */
async function holdSnapshot() {
  const reserved = await sql.reserve();
  await reserved`begin isolation level repeatable read`;
  await reserved`select 1`;
  return async () => {
    await reserved`rollback`;
    reserved.release();
  };
}

const migrationWaits = async () =>
  (
    await sql`select 1 from pg_stat_activity
              where application_name = ${MIGRATE_APPLICATION_NAME} and wait_event_type = 'Lock'`
  ).length > 0;

describe('an upgrade under load', () => {
  it('the previous release serves every request while the new migrations run, and after', async () => {
    const pending = await pendingMigrations();
    expect(pending.length, `${release.why} has every migration of this checkout`).toBeGreaterThan(
      0,
    );
    const traffic = startTraffic(api?.url as string, key, NUMBERS);
    // Waits for `count` jobs the client saw end after `since`, or for its first failure, or
    // for its last number (the checks after the traffic name either).
    const jobsEnded = (what: string, since: number, count = 5) =>
      waitFor(`${count} jobs ${what}`, async () =>
        traffic.endedAfter(since) >= count || traffic.failures.length > 0 || traffic.exhausted()
          ? true
          : undefined,
      );
    try {
      await jobsEnded('before the migration', 0);

      // A CONCURRENTLY build waits for the report's snapshot to end; requests must not wait.
      const releaseSnapshot = await holdSnapshot();
      const startedAt = Date.now();
      let done = false;
      const migrating = migrateDatabase(directDatabaseUrl(name)).finally(() => {
        done = true;
      });
      const waited = await waitFor('the migration to end or to wait on the report', async () =>
        done ? false : (await migrationWaits()) || undefined,
      );
      if (waited) await jobsEnded('while the migration waits', startedAt);
      await releaseSnapshot();
      expect(await migrating).toEqual(pending.map((m) => m.tag));
      if (pending.some((m) => m.mode === 'concurrently')) expect(waited).toBe(true);

      await jobsEnded('after the migration', Date.now());
    } finally {
      await traffic.stop();
    }
    expect(traffic.failures).toEqual([]);
    expect(traffic.exhausted(), 'the client ran out of numbers: the test proves less').toBe(false);

    await waitForJobsEnded(sql);
    const jobs = await sql<{ state: string; n: number; whole: boolean }[]>`
      select state, count(*)::int as n, bool_and(success_count = requested_count) as whole
      from jobs group by state`;
    expect(jobs).toEqual([{ state: 'completed', n: traffic.ended.length, whole: true }]);
    await assertInvariants(sql);
    expect(await sql`select indexrelid::regclass::text from pg_index where not indisvalid`).toEqual(
      [],
    );
    const errors = [api, worker].flatMap((p) => p?.lines.filter((l) => /"level":[56]0/.test(l)));
    expect(errors).toEqual([]);
  }, 120_000);
});
