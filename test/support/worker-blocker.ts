import postgres from 'postgres';

/**
 * Holds a row lock on one telephone number from a separate connection, so a worker reaching
 * that number's chunk waits inside its transaction: a deterministic "mid-job" moment for
 * crash, cancel and shutdown tests, without sleeps or timing guesses.
 */
export async function blockNumber(databaseUrl: string, e164: string) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const reserved = await sql.reserve();
  await reserved`begin`;
  await reserved`select id from telephone_numbers where e164 = ${e164} for update`;
  return {
    /** Lets the waiting chunk go on. */
    async release() {
      await reserved`rollback`;
      reserved.release();
      await sql.end({ timeout: 5 });
    },
  };
}

/** The pids of backends of `applicationName` waiting on a row lock. */
export async function waitingBackends(sql: postgres.Sql, applicationName: string) {
  const rows = await sql<{ pid: number }[]>`
    select pid from pg_stat_activity
    where application_name = ${applicationName} and wait_event_type = 'Lock'`;
  return rows.map((r) => r.pid);
}
