import { setTimeout as sleep } from 'node:timers/promises';
import { retryAfterMs } from './http.ts';
import { nextRequestAt, parseRateLimit } from './rate-limit-headers.ts';

/**
 * Spaces budget-spending requests from the answers' RateLimit headers. Requests go one at a
 * time, so each answer reports the budget exactly as the next request will find it.
 */
export class Pacer {
  private notBefore = 0;
  /** 429 answers met (reported in the summary: alone, the client should meet none). */
  rateLimited = 0;

  /** An answer to a request sent at `sentAt` (requests are spaced start to start). */
  observe(headers: Headers, sentAt: number, receivedAt = Date.now()): void {
    this.push(nextRequestAt(parseRateLimit(headers.get('ratelimit')), sentAt, receivedAt));
  }

  /** A 429: wait its Retry-After (or the reported reset), whichever is later. */
  observeRateLimited(headers: Headers, sentAt: number, receivedAt = Date.now()): void {
    this.rateLimited++;
    this.observe(headers, sentAt, receivedAt);
    this.push(receivedAt + (retryAfterMs(headers) ?? 1000));
  }

  async wait(signal?: AbortSignal): Promise<void> {
    const ms = this.notBefore - Date.now();
    if (ms > 0) await sleep(ms, undefined, signal ? { signal } : {});
  }

  private push(at: number) {
    this.notBefore = Math.max(this.notBefore, at);
  }
}

/** Exponential backoff with jitter for retries after network errors and 503s. */
export function backoffMs(attempt: number, retryAfter?: number): number {
  const base = Math.min(8000, 250 * 2 ** attempt);
  const jittered = base / 2 + Math.random() * (base / 2);
  return Math.max(jittered, retryAfter ?? 0);
}
