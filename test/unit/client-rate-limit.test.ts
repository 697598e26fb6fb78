import { describe, expect, it } from 'vitest';
import {
  paceDelayMs,
  parseRateLimit,
  parseRateLimitPolicy,
} from '../../src/cli/client/rate-limit-headers.ts';

describe('RateLimit headers (draft-10)', () => {
  it('reads every listed policy, the service one and a second operator one', () => {
    expect(parseRateLimit('"global";r=295;t=42, "operator";r=7;t=42')).toEqual([
      { policy: 'global', remaining: 295, resetS: 42 },
      { policy: 'operator', remaining: 7, resetS: 42 },
    ]);
    expect(parseRateLimitPolicy('"global";q=300;w=60, "operator";q=100;w=60')).toEqual([
      { policy: 'global', quota: 300, windowS: 60 },
      { policy: 'operator', quota: 100, windowS: 60 },
    ]);
  });

  it('ignores members it cannot read and commas inside names', () => {
    expect(parseRateLimit('"a,b";r=1;t=2, junk, "x";r=-1;t=3')).toEqual([
      { policy: 'a,b', remaining: 1, resetS: 2 },
    ]);
    expect(parseRateLimit(null)).toEqual([]);
  });

  it('spreads what is left over the window and waits the whole reset when nothing is left', () => {
    expect(paceDelayMs(parseRateLimit('"global";r=299;t=60'))).toBe(200);
    expect(paceDelayMs(parseRateLimit('"global";r=0;t=2'))).toBe(2000);
    expect(paceDelayMs([])).toBe(0);
  });

  it('respects the tightest policy', () => {
    const states = parseRateLimit('"global";r=299;t=60, "operator";r=9;t=60');
    expect(paceDelayMs(states)).toBe(6000);
  });
});
