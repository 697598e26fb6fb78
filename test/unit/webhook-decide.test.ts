import { describe, expect, it } from 'vitest';
import { decide, errorOf } from '../../src/webhooks/decide.ts';
import { RETRY_SCHEDULE_MS } from '../../src/webhooks/events.ts';
import { retryAfterMs } from '../../src/webhooks/send.ts';

const answered = (status: number, retryAfter?: number) => ({
  kind: 'answered' as const,
  status,
  retryAfterMs: retryAfter,
});

describe('what an attempt means', () => {
  it('follows the schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then failed', () => {
    const waits = RETRY_SCHEDULE_MS.map((_, i) => decide(answered(500), i + 1, RETRY_SCHEDULE_MS));
    expect(waits.map((d) => (d.kind === 'retry' ? d.delayMs / 1000 : d.kind))).toEqual([
      5, 300, 1800, 7200, 18_000, 36_000, 36_000,
    ]);
    expect(decide(answered(500), 8, RETRY_SCHEDULE_MS)).toEqual({ kind: 'failed' });
  });

  it('is a success for any 2xx, and 410 disables; a 3xx or a timeout is a failure', () => {
    expect(decide(answered(204), 1, RETRY_SCHEDULE_MS)).toEqual({ kind: 'succeeded' });
    expect(decide(answered(410), 1, RETRY_SCHEDULE_MS)).toEqual({ kind: 'gone' });
    expect(decide(answered(302), 1, RETRY_SCHEDULE_MS)).toEqual({ kind: 'retry', delayMs: 5000 });
    expect(decide({ kind: 'no-answer', error: 'x' }, 2, RETRY_SCHEDULE_MS)).toEqual({
      kind: 'retry',
      delayMs: 300_000,
    });
    expect(errorOf(answered(302))).toBe('redirect 302 (not followed)');
  });

  it('honours Retry-After on 429 and 503 within the schedule, never sooner nor past its longest wait', () => {
    expect(decide(answered(429, 60_000), 1, RETRY_SCHEDULE_MS)).toEqual({
      kind: 'retry',
      delayMs: 60_000,
    });
    expect(decide(answered(503, 1000), 2, RETRY_SCHEDULE_MS)).toEqual({
      kind: 'retry',
      delayMs: 300_000,
    });
    expect(decide(answered(503, 99 * 3600_000), 1, RETRY_SCHEDULE_MS)).toEqual({
      kind: 'retry',
      delayMs: 36_000_000,
    });
    expect(decide(answered(500, 60_000), 1, RETRY_SCHEDULE_MS)).toEqual({
      kind: 'retry',
      delayMs: 5000,
    });
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-12-07T00:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Mon, 07 Dec 2026 00:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('-5', now)).toBeUndefined();
  });
});
