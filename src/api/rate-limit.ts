import type { RedisClient } from '../queue/redis.ts';
import { HttpProblem, serviceUnavailable } from './problem.ts';

// A fixed-window counter in Redis, so every API instance spends one shared budget. The window
// is computed from Redis' own clock (TIME) so instances with skewed clocks still agree.
// @fastify/rate-limit does not emit the draft-10 RateLimit/RateLimit-Policy fields, hence this.
// The window's counter is KEYS[1] plus a suffix: with the hash-tagged prefix a Redis Cluster
// requires (`{ocn}:…`, checked by the config) both hash to one slot, as a script's keys must.
const HIT_SCRIPT = `
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local windowMs = tonumber(ARGV[1])
local key = KEYS[1] .. ':' .. math.floor(nowMs / windowMs)
local count = redis.call('INCR', key)
if count == 1 then redis.call('PEXPIRE', key, windowMs + 1000) end
return { count, windowMs - (nowMs % windowMs) }
`;

type RedisWithHit = RedisClient & {
  ocnRateLimitHit(key: string, windowMs: number): Promise<[number, number]>;
};

function withHitCommand(redis: RedisClient): RedisWithHit {
  const candidate = redis as RedisWithHit;
  if (typeof candidate.ocnRateLimitHit !== 'function') {
    redis.defineCommand('ocnRateLimitHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
  }
  return candidate;
}

export interface LimitState {
  allowed: boolean;
  /** IETF draft-ietf-httpapi-ratelimit-headers-10 structured fields. */
  headers: Record<string, string>;
  retryAfterS: number;
}

export interface RateLimiter {
  /** Spends one unit of `subject`'s budget (a single shared budget when omitted). */
  hit(subject?: string): Promise<LimitState>;
}

export interface RateLimiterOptions {
  policy: string;
  keyPrefix: string;
  max: number;
  windowMs: number;
}

export function createRateLimiter(redis: RedisClient, options: RateLimiterOptions): RateLimiter {
  const client = withHitCommand(redis);
  const windowS = Math.ceil(options.windowMs / 1000);
  const policyHeader = `"${options.policy}";q=${options.max};w=${windowS}`;
  return {
    async hit(subject) {
      const key = subject ? `${options.keyPrefix}:${subject}` : options.keyPrefix;
      let count: number;
      let resetMs: number;
      try {
        [count, resetMs] = await client.ocnRateLimitHit(key, options.windowMs);
      } catch {
        throw serviceUnavailable('Rate limiting is unavailable; retry later');
      }
      const remaining = Math.max(0, options.max - count);
      const resetS = Math.max(1, Math.ceil(resetMs / 1000));
      return {
        allowed: count <= options.max,
        retryAfterS: resetS,
        headers: {
          'ratelimit-policy': policyHeader,
          ratelimit: `"${options.policy}";r=${remaining};t=${resetS}`,
        },
      };
    },
  };
}

export function rateLimited(state: LimitState, detail: string): HttpProblem {
  return new HttpProblem(429, 'RATE_LIMITED', detail, {
    headers: { ...state.headers, 'retry-after': String(state.retryAfterS) },
  });
}
