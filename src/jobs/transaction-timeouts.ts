import type { Sql } from '../db/client.ts';

// Timeouts for the transactions that take a job's row lock, set with SET LOCAL (`set_config(…,
// true)`) so they hold for one transaction and need no session state: the service also runs
// through PgBouncer in transaction mode, where startup parameters and session SETs do not
// survive. Chosen from the frozen-worker scenario (docs/reliability.md, "A frozen worker").

export interface TransactionTimeouts {
  /** How long a statement may wait for a lock (0: as long as it takes). */
  lockMs: number;
  /** How long one statement may run. */
  statementMs: number;
  /** How long the transaction may sit idle between statements before Postgres ends it. */
  idleInTransactionMs: number;
}

/**
 * A chunk. A worker frozen (SIGSTOP, a paused VM, a partition) inside its chunk leaves its
 * backend idle in the transaction, holding the jobs row and the chunk's number rows: every
 * cancel and the delivery that took the job over would wait until the worker woke. Postgres
 * ends such a transaction after 5 s idle (a live worker is idle inside a chunk for
 * microseconds; the chunk is rolled back whole and simply did not happen). Waiting for number
 * rows another job's chunk holds is ordinary contention, bounded by that chunk's own timeouts,
 * so no lock timeout; a statement over 30 s is a fault, not work.
 */
export const CHUNK_TIMEOUTS: TransactionTimeouts = {
  lockMs: 0,
  statementMs: 30_000,
  idleInTransactionMs: 5000,
};

/**
 * A cancel (and a failure record). It waits for the jobs row at most 3 s per try; with three
 * tries it answers within about 10 s whatever holds the row (then 503, retry later), and behind
 * a frozen chunk within that chunk's idle timeout.
 */
export const CANCEL_TIMEOUTS: TransactionTimeouts = {
  lockMs: 3000,
  statementMs: 5000,
  idleInTransactionMs: 5000,
};

export const CANCEL_ATTEMPTS = 3;

/**
 * Sets `timeouts` for the rest of the transaction. Sent the moment it is called (`execute()`),
 * so call it before making the statements it must cover: postgres.js sends a query when it is
 * first awaited, and a statement made and awaited inside a helper (`lockJob` awaits its own
 * two) would otherwise reach the server first and wait for its lock with no timeout. It still
 * pipelines: the caller need not await it before making the next statements.
 */
export function setLocalTimeouts(sql: Sql, timeouts: TransactionTimeouts) {
  return sql`
    select set_config('lock_timeout', ${`${timeouts.lockMs}ms`}, true),
           set_config('statement_timeout', ${`${timeouts.statementMs}ms`}, true),
           set_config('idle_in_transaction_session_timeout', ${`${timeouts.idleInTransactionMs}ms`}, true)`.execute();
}
