import { errorCode } from '../errors.ts';

// What a database error means, from its SQLSTATE (or the driver's code for a lost connection),
// in one table. Graphile/worker keeps a similar table; ours has four classes:
//
// - conflict: the transaction lost a race or a wait (serialization, deadlock, lock or idle
//   timeout) and was rolled back whole: run it again.
// - lost: the connection or the server went away mid-work (dropped, shut down, restarting):
//   run it again; meanwhile the database is out.
// - down: the database as a whole cannot serve (unreachable, out of resources, read-only after a
//   failover): nothing the work asked for is at fault.
// - refused: the server cancelled the work (class 57: a statement timeout, an operator's
//   cancel): the work itself ran into it, so a job spends an attempt on it.
//
// Every class means "cannot serve now" to the API: 503 with Retry-After, never 500.
export type DbErrorClass = 'conflict' | 'lost' | 'down' | 'refused';

/** Exact codes first; then a SQLSTATE's class (its first two characters). */
const CLASS_OF: Readonly<Record<string, DbErrorClass>> = {
  '40001': 'conflict', // serialization_failure
  '40P01': 'conflict', // deadlock_detected
  '25P03': 'conflict', // idle_in_transaction_session_timeout: the transaction was rolled back
  '55P03': 'conflict', // lock_not_available
  '57P01': 'lost', // admin_shutdown (pg_terminate_backend)
  '57P02': 'lost', // crash_shutdown
  '57P03': 'lost', // cannot_connect_now: starting up or shutting down
  '08000': 'lost', // connection_exception
  '08003': 'lost', // connection_does_not_exist
  '08006': 'lost', // connection_failure
  '08001': 'lost', // sqlclient_unable_to_establish_sqlconnection
  '08004': 'lost', // sqlserver_rejected_establishment_of_sqlconnection
  '08P01': 'lost', // protocol_violation: how PgBouncer closes a client whose server died
  '25006': 'down', // read_only_sql_transaction: a standby, or a server made read-only
  // postgres.js and Node: the connection could not be opened or was lost.
  CONNECTION_CLOSED: 'lost',
  CONNECTION_ENDED: 'lost',
  CONNECTION_DESTROYED: 'lost',
  CONNECT_TIMEOUT: 'lost',
  ECONNRESET: 'lost',
  ECONNREFUSED: 'lost',
  EPIPE: 'lost',
  ETIMEDOUT: 'lost',
  // Classes.
  '08': 'down', // connection exception (the codes above excepted)
  '53': 'down', // insufficient resources (53300 too many connections)
  '57': 'refused', // operator intervention (57014 query cancelled: a statement timeout)
};

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The class of a database error, wherever Drizzle or a caller wrapped it; undefined if none. */
export function dbErrorClass(err: unknown): DbErrorClass | undefined {
  const code = errorCode(err);
  if (code === undefined) return undefined;
  if (Object.hasOwn(CLASS_OF, code)) return CLASS_OF[code];
  return SQLSTATE.test(code) && Object.hasOwn(CLASS_OF, code.slice(0, 2))
    ? CLASS_OF[code.slice(0, 2)]
    : undefined;
}

/** Running the same transaction again is safe and may succeed. */
export function isTransientDbError(err: unknown): boolean {
  const errorClass = dbErrorClass(err);
  return errorClass === 'conflict' || errorClass === 'lost';
}

/** The database is out: the worker defers the job without spending an attempt. */
export function isDbOutage(err: unknown): boolean {
  const errorClass = dbErrorClass(err);
  return errorClass === 'lost' || errorClass === 'down';
}

/** The API answers 503: the database cannot serve this now. */
export function isDbUnavailableError(err: unknown): boolean {
  return dbErrorClass(err) !== undefined;
}
