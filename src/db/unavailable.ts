import { dbErrorCode, isTransientDbError } from './retry.ts';

// Errors that say "the database cannot serve you right now", as opposed to "this request is
// wrong" or "our code is wrong": they answer 503 with Retry-After, never 500. By SQLSTATE class:
// 08 connection exception, 53 insufficient resources (53300 too many connections), 57 operator
// intervention (57P01 admin shutdown, 57014 query cancelled), and 25006 read-only transaction
// (a failover left us on a standby).
const UNAVAILABLE_CLASSES = new Set(['08', '53', '57']);

export function isDbUnavailableError(err: unknown): boolean {
  if (isTransientDbError(err)) return true;
  const code = dbErrorCode(err);
  if (code === undefined || !/^[0-9A-Z]{5}$/.test(code)) return false;
  return code === '25006' || UNAVAILABLE_CLASSES.has(code.slice(0, 2));
}
