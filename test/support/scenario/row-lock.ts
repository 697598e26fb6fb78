import postgres from 'postgres';

/**
 * Holds a row lock on one telephone number from a connection of its own, so the worker chunk
 * that reaches it waits inside its transaction: a deterministic "mid-job" moment to kill,
 * cancel or cut the connection at, with no timing guesses.
 */
export async function lockNumber(databaseUrl: string, e164: string) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const reserved = await sql.reserve();
  await reserved`begin`;
  await reserved`select id from telephone_numbers where e164 = ${e164} for update`;
  const [{ pid } = { pid: 0 }] = await reserved<{ pid: number }[]>`select pg_backend_pid() as pid`;
  let released = false;
  return {
    /** The holder's backend: what a waiter's `pg_blocking_pids` names. */
    pid,
    async release() {
      if (released) return;
      released = true;
      await reserved`rollback`.catch(() => {});
      reserved.release();
      await sql.end({ timeout: 5 });
    },
  };
}

/** Pids of the worker's backends that wait on the lock held by backend `holder` right now. */
export async function workerBackendsBlockedBy(
  sql: postgres.Sql,
  holder: number,
): Promise<number[]> {
  const rows = await sql<{ pid: number }[]>`
    select pid from pg_stat_activity
    where application_name = 'oc-numbers-worker' and ${holder} = any(pg_blocking_pids(pid))`;
  return rows.map((r) => r.pid);
}

/** Pids of the worker's backends that wait on a row lock right now. */
export async function workerBackendsWaitingOnLock(sql: postgres.Sql): Promise<number[]> {
  const rows = await sql<{ pid: number }[]>`
    select pid from pg_stat_activity
    where application_name = 'oc-numbers-worker' and wait_event_type = 'Lock'`;
  return rows.map((r) => r.pid);
}
