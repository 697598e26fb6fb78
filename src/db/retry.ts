import { setTimeout as sleep } from 'node:timers/promises';
import { errorCode } from '../errors.ts';

// SQLSTATEs and client errors after which running the same transaction again is safe: the
// transaction was rolled back as a whole (graphile/worker keeps a similar table).
const RETRYABLE_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '25P03', // idle_in_transaction_session_timeout: the transaction was ended and rolled back whole
  '55P03', // lock_not_available
  '57P01', // admin_shutdown (pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08003', // connection_does_not_exist
  '08006', // connection_failure
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
  '08P01', // protocol_violation: how PgBouncer closes a client whose server connection died
]);

const RETRYABLE_CLIENT_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

/**
 * The SQLSTATE or client error code of a database error, wherever Drizzle or a caller wrapped
 * it.
 */
export const dbErrorCode = errorCode;

/** The client lost or could not open its connection (refused, reset, closed, timed out). */
export function isConnectionError(err: unknown): boolean {
  const code = dbErrorCode(err);
  return code !== undefined && RETRYABLE_CLIENT_CODES.has(code);
}

export function isTransientDbError(err: unknown): boolean {
  const code = dbErrorCode(err);
  return code !== undefined && (RETRYABLE_SQLSTATES.has(code) || isConnectionError(err));
}

export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  onRetry?: (err: unknown, attempt: number) => void;
}

/** Runs `fn` again on transient database errors, with bounded exponential backoff and jitter. */
export async function withTransientRetry<T>(
  fn: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const { attempts = 6, baseDelayMs = 50, maxDelayMs = 2000, onRetry } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !isTransientDbError(err)) throw err;
      onRetry?.(err, attempt);
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      await sleep(ceiling / 2 + Math.random() * (ceiling / 2));
    }
  }
}
