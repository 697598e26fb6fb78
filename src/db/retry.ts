import { setTimeout as sleep } from 'node:timers/promises';
import { isTransientDbError } from './error-classes.ts';

// Which errors are worth another run is the error classes' table (error-classes.ts).

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
