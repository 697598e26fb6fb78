import { dbErrorCode, isConnectionError, isTransientDbError } from './retry.ts';

// Errors that say "the database cannot serve you right now", as opposed to "this request is
// wrong" or "our code is wrong": they answer 503 with Retry-After, never 500. By SQLSTATE class:
// 08 connection exception, 53 insufficient resources (53300 too many connections), 57 operator
// intervention (57P01 admin shutdown, 57014 query cancelled), and 25006 read-only transaction
// (a failover left us on a standby, or the server was made read-only).
const OUTAGE_CLASSES = new Set(['08', '53']);
const OUTAGE_SQLSTATES = new Set([
  '25006', // read_only_sql_transaction
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
]);

/**
 * The database as a whole is down, starting, out of resources or read-only: nothing the work
 * asked for is at fault, and the same work succeeds once the database is back. Narrower than
 * `isDbUnavailableError`: a cancelled statement (57014, a statement timeout) or a deadlock
 * is about the work itself, and the worker spends an attempt on it.
 */
export function isDbOutage(err: unknown): boolean {
  if (isConnectionError(err)) return true;
  const code = dbErrorCode(err);
  if (code === undefined || !/^[0-9A-Z]{5}$/.test(code)) return false;
  return OUTAGE_SQLSTATES.has(code) || OUTAGE_CLASSES.has(code.slice(0, 2));
}

export function isDbUnavailableError(err: unknown): boolean {
  if (isTransientDbError(err) || isDbOutage(err)) return true;
  const code = dbErrorCode(err);
  return code !== undefined && /^57[0-9A-Z]{3}$/.test(code);
}
