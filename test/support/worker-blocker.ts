import postgres from 'postgres';
import type { TestDatabase } from './database.ts';
import { createMarkedJob, createMarkedNumbers, createTenant } from './factories.ts';
import { waitFor } from './wait.ts';
import { insertJob } from './worker-jobs.ts';

/**
 * Holds a row lock on one telephone number from a separate connection, so a worker reaching
 * that number's chunk waits inside its transaction: a deterministic "mid-job" moment for
 * crash, cancel and shutdown tests, without sleeps or timing guesses.
 */
export async function blockNumber(databaseUrl: string, e164: string) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const reserved = await sql.reserve();
  await reserved`begin`;
  const [held] = await reserved<{ pid: number }[]>`
    select pg_backend_pid() as pid from telephone_numbers where e164 = ${e164} for update`;
  if (!held) throw new Error(`no number ${e164} to hold`);
  return {
    /** The holding backend: `blockedBy` finds who waits for it. */
    pid: held.pid,
    /** Lets the waiting chunk go on. */
    async release() {
      await reserved`rollback`;
      reserved.release();
      await sql.end({ timeout: 5 });
    },
  };
}

/**
 * The pids of backends of `applicationName` waiting for a lock that backend `holderPid` holds
 * (a blocker's `pid`): unlike `waitingBackends`, no other lock wait of the same application
 * (a ledger page, another job's row) passes for the one the test set up.
 */
export async function blockedBy(sql: postgres.Sql, applicationName: string, holderPid: number) {
  const rows = await sql<{ pid: number }[]>`
    select pid from pg_stat_activity
    where application_name = ${applicationName} and ${holderPid}::int = any(pg_blocking_pids(pid))`;
  return rows.map((r) => r.pid);
}

/** The pids of backends of `applicationName` waiting on a row lock. */
export async function waitingBackends(sql: postgres.Sql, applicationName: string) {
  const rows = await sql<{ pid: number }[]>`
    select pid from pg_stat_activity
    where application_name = ${applicationName} and wait_event_type = 'Lock'`;
  return rows.map((r) => r.pid);
}

/**
 * A queued job over `count` fresh MarkedForRemoval numbers of a new tenant, whose worker will
 * wait inside the chunk holding position `heldAt` until `blocker.release()`.
 */
export async function createHeldJob(t: TestDatabase, count: number, heldAt: number) {
  const tenant = await createTenant(t.db);
  const { job, numbers } = await createMarkedJob(t.db, tenant, count);
  const blocker = await blockNumber(t.url, numbers[heldAt] as string);
  return { tenant, job, numbers, blocker };
}

/**
 * Queued jobs of one new tenant over consecutive runs of fresh MarkedForRemoval numbers (`sizes`
 * numbers each), with the number at `heldAt` (counted over all of them) held as above.
 */
export async function createHeldJobs(t: TestDatabase, sizes: number[], heldAt: number) {
  const tenant = await createTenant(t.db);
  const numbers = await createMarkedNumbers(
    t.db,
    tenant,
    sizes.reduce((a, b) => a + b, 0),
  );
  const jobs = [];
  for (let start = 0, i = 0; i < sizes.length; start += sizes[i] ?? 0, i++) {
    const slice = numbers.slice(start, start + (sizes[i] ?? 0));
    jobs.push(await insertJob(t.db, { operatorId: tenant.operator.id, numbers: slice }));
  }
  const blocker = await blockNumber(t.url, numbers[heldAt] as string);
  return { tenant, jobs, numbers, blocker };
}

/**
 * Holds row locks on numbers from a transaction of `sql`'s pool (unlike `blockNumber`, no
 * connection of its own) until the returned function is called; resolves once they are held.
 */
export function lockNumbers(sql: postgres.Sql, e164s: string[]) {
  return holdTransaction(
    sql,
    (tx) => tx`select id from telephone_numbers where e164 = any(${e164s}::text[]) for update`,
  );
}

/**
 * Runs `lock` in a transaction of `sql`'s pool and keeps that transaction, with every lock it
 * took, open until the returned function is called; resolves once `lock` has run.
 */
export async function holdTransaction(
  sql: postgres.Sql,
  lock: (tx: postgres.TransactionSql) => Promise<unknown>,
) {
  const locked = Promise.withResolvers<void>();
  const released = Promise.withResolvers<void>();
  const done = sql.begin(async (tx) => {
    await lock(tx);
    locked.resolve();
    await released.promise;
  });
  // A lock that fails ends the transaction: say so instead of waiting for `locked` forever.
  await Promise.race([locked.promise, done]);
  return async () => {
    released.resolve();
    await done;
  };
}

/**
 * Holds the jobs row of `jobId` for `ms` from one statement on a connection of its own: it
 * locks the row, then sleeps, as a long transaction on the row would (busy, not idle, so no
 * idle timeout ends it). Resolves once the row is held; `stop()` cancels the sleep if it still
 * runs and closes the connection.
 */
export async function holdJobRow(t: TestDatabase, jobId: string, ms: number) {
  const sql = postgres(t.url, { max: 1, onnotice: () => {} });
  const holding = sql`
    with held as materialized (select id from jobs where id = ${jobId}::uuid for update)
    select pg_sleep(${ms / 1000}::float8) from held`;
  const done = holding.then(
    () => undefined,
    (err: unknown) => err,
  );
  await waitFor('the holder to lock the jobs row and sleep', async () => {
    const [row] = await t.sql<{ pid: number }[]>`
      select pid from pg_stat_activity
      where datname = current_database() and wait_event = 'PgSleep' and query like '%held%'`;
    return row?.pid;
  });
  return {
    async stop() {
      holding.cancel();
      await done;
      await sql.end({ timeout: 5 });
    },
  };
}
