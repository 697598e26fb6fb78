import type postgres from 'postgres';
import type { Sql } from '../../src/db/client.ts';
import { waitFor } from './wait.ts';

/**
 * Waits until a statement of this database whose text matches `queryLike` (a LIKE pattern)
 * waits on a lock: the observable moment a race's second side is queued behind the first.
 * Found by its statement, not its backend id: behind a transaction pooler a reserved
 * connection's statements may run on different server connections.
 */
export function waitForLockWait(sql: Sql, what: string, queryLike: string, timeoutMs = 10_000) {
  return waitFor(
    what,
    async () => {
      const waiting = await sql`
        select 1 from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'
          and query like ${queryLike}`;
      return waiting.length > 0 ? true : undefined;
    },
    timeoutMs,
  );
}

/**
 * Runs `race` on two connections of their own (a race's two sides); afterwards whatever either
 * left open is rolled back and both are released, whether `race` passed or failed.
 */
export async function onTwoConnections<T>(
  sql: Sql,
  race: (first: postgres.ReservedSql, second: postgres.ReservedSql) => Promise<T>,
): Promise<T> {
  const first = await sql.reserve();
  const second = await sql.reserve();
  try {
    return await race(first, second);
  } finally {
    for (const conn of [first, second]) {
      await conn`rollback`.catch(() => {});
      conn.release();
    }
  }
}
