import { describe, expect, it } from 'vitest';
import { isDbOutage, isDbUnavailableError } from '../../src/db/error-classes.ts';
import { outageDelayMs } from '../../workers/outage-delay.ts';

/** An error as Drizzle hands it over: a wrapper whose cause carries the code. */
const wrapped = (code: string) =>
  Object.assign(new Error('Failed query: …'), { cause: Object.assign(new Error(code), { code }) });

describe('database outages', () => {
  it('are the whole database down, starting, out of resources or read-only', () => {
    for (const code of ['ECONNREFUSED', 'CONNECTION_CLOSED', '08006', '53300', '57P01', '57P03']) {
      expect([code, isDbOutage(wrapped(code))]).toEqual([code, true]);
    }
    expect(isDbOutage(wrapped('25006'))).toBe(true);
  });

  it('are not what the work itself ran into, though the API still answers 503 for some', () => {
    // A statement timeout and a deadlock: 503 for a request, an attempt spent for a job.
    for (const code of ['57014', '40P01', '55P03']) {
      expect([code, isDbOutage(wrapped(code)), isDbUnavailableError(wrapped(code))]).toEqual([
        code,
        false,
        true,
      ]);
    }
    for (const code of ['22023', '23505', 'XX000']) {
      expect([code, isDbOutage(wrapped(code)), isDbUnavailableError(wrapped(code))]).toEqual([
        code,
        false,
        false,
      ]);
    }
    expect(isDbOutage(new Error('no code'))).toBe(false);
  });

  it('defer a job 0.25–0.5 s first, doubling up to 2.5–5 s', () => {
    const delays = (deferrals: number) =>
      Array.from({ length: 200 }, () =>
        outageDelayMs({ attemptsStarted: deferrals + 1, attemptsMade: 0 }),
      );
    const first = delays(0);
    expect(Math.min(...first)).toBeGreaterThanOrEqual(250);
    expect(Math.max(...first)).toBeLessThanOrEqual(500);
    const later = delays(40);
    expect(Math.min(...later)).toBeGreaterThanOrEqual(2500);
    expect(Math.max(...later)).toBeLessThanOrEqual(5000);
    // A job that failed attempts before (attemptsMade) starts again from the first delay.
    expect(outageDelayMs({ attemptsStarted: 3, attemptsMade: 2 })).toBeLessThanOrEqual(500);
  });
});
