import { describe, expect, it } from 'vitest';
import {
  nextRequestAt,
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

  it('spreads what is left from the request start; with nothing left, waits t from the answer', () => {
    expect(nextRequestAt(parseRateLimit('"global";r=299;t=60'), 1000, 1080)).toBe(1200);
    expect(nextRequestAt(parseRateLimit('"global";r=0;t=2'), 1000, 1080)).toBe(3080);
    expect(nextRequestAt([], 1000, 1080)).toBe(1000);
  });

  it('respects the tightest policy', () => {
    const states = parseRateLimit('"global";r=299;t=60, "operator";r=9;t=60');
    expect(nextRequestAt(states, 0, 50)).toBe(6000);
  });
});
