import type { RedisClient } from '../../queue/redis.ts';
import { HttpProblem, serviceUnavailable } from '../http/problem.ts';

/**
 * The Redis keys of the rate-limit counters, under the queue prefix so one Redis can serve
 * several deployments. Each operation has its own budget key.
 */
export const rateLimitKeys = (queuePrefix: string) => ({
  operation: (name: string) => `${queuePrefix}:ratelimit:${name}`,
  reads: `${queuePrefix}:ratelimit:reads`,
  authFailures: `${queuePrefix}:ratelimit:auth-failures`,
  adminAuthFailures: `${queuePrefix}:rl:admin-auth-failures`,
});

// Fixed-window counters in Redis, so every API instance spends one shared budget. The window is
// computed from Redis' own clock (TIME) so instances with skewed clocks still agree.
// @fastify/rate-limit does not emit the draft-10 RateLimit/RateLimit-Policy fields, hence this.
//
// One limiter holds one or more policies (e.g. "global" and "operator"). A request must fit
// every policy, and all counters move in one script: a request refused by one policy spends
// none of the others. Each window's counter is KEYS[i] plus a suffix, and every key starts with
// the queue prefix: with the hash-tagged prefix a Redis Cluster requires (`{ocn}:…`, checked by
// the config) they all hash to one slot, as a script's keys must.
const LIMIT_SCRIPT = `
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local windowMs = tonumber(ARGV[1])
local mode = ARGV[2]
local window = math.floor(nowMs / windowMs)
local counts = {}
local refused = 0
for i, key in ipairs(KEYS) do
  counts[i] = tonumber(redis.call('GET', key .. ':' .. window) or '0')
  if refused == 0 and mode ~= 'refund' and counts[i] >= tonumber(ARGV[i + 2]) then refused = i end
end
if mode == 'spend' and refused == 0 then
  for i, key in ipairs(KEYS) do
    counts[i] = redis.call('INCR', key .. ':' .. window)
    if counts[i] == 1 then redis.call('PEXPIRE', key .. ':' .. window, windowMs + 1000) end
  end
elseif mode == 'refund' then
  for i, key in ipairs(KEYS) do
    if counts[i] > 0 then counts[i] = redis.call('DECR', key .. ':' .. window) end
  end
end
local answer = { refused, windowMs - (nowMs % windowMs) }
for i = 1, #counts do answer[i + 2] = counts[i] end
return answer
`;

type Mode = 'spend' | 'peek' | 'refund';
type RedisWithLimit = RedisClient & {
  ocnRateLimit(...args: (string | number)[]): Promise<number[]>;
};

function withLimitCommand(redis: RedisClient): RedisWithLimit {
  const candidate = redis as RedisWithLimit;
  if (typeof candidate.ocnRateLimit !== 'function') {
    redis.defineCommand('ocnRateLimit', { lua: LIMIT_SCRIPT });
  }
  return candidate;
}

export interface LimitPolicy<Subject> {
  /** The policy's name in the RateLimit / RateLimit-Policy fields. */
  name: string;
  max: number;
  /** The Redis key (without the window suffix) that counts for `subject`. */
  key(subject: Subject): string;
}

export interface LimitState {
  allowed: boolean;
  /** The first policy whose budget is spent, when not allowed. */
  refusedBy?: string;
  /** IETF draft-ietf-httpapi-ratelimit-headers-10 structured fields, every policy listed. */
  headers: Record<string, string>;
  retryAfterS: number;
}

export interface RateLimiter<Subject> {
  /** Spends one unit of every policy, or none when one of them is spent. */
  spend(subject: Subject): Promise<LimitState>;
  /** Reads the budgets without spending them. */
  peek(subject: Subject): Promise<LimitState>;
  /** Gives back one unit of the current window (a reserved attempt that turned out fine). */
  refund(subject: Subject): Promise<void>;
}

const unavailable = () => serviceUnavailable('Rate limiting is unavailable; retry later');

export interface RateLimiterOptions<Subject> {
  windowMs: number;
  policies: readonly LimitPolicy<Subject>[];
}

export function createRateLimiter<Subject>(
  redis: RedisClient,
  options: RateLimiterOptions<Subject>,
): RateLimiter<Subject> {
  const client = withLimitCommand(redis);
  const { policies, windowMs } = options;
  const windowS = Math.ceil(windowMs / 1000);
  const policyHeader = policies.map((p) => `"${p.name}";q=${p.max};w=${windowS}`).join(', ');

  async function run(mode: Mode, subject: Subject): Promise<LimitState> {
    let answer: number[];
    try {
      const keys = policies.map((p) => p.key(subject));
      const maxes = policies.map((p) => p.max);
      answer = await client.ocnRateLimit(keys.length, ...keys, windowMs, mode, ...maxes);
    } catch {
      throw unavailable();
    }
    const [refused = 0, resetMs = windowMs, ...counts] = answer;
    const resetS = Math.max(1, Math.ceil(resetMs / 1000));
    const remaining = policies.map((p, i) => Math.max(0, p.max - (counts[i] ?? 0)));
    const refusedBy = refused > 0 ? policies[refused - 1]?.name : undefined;
    return {
      allowed: refusedBy === undefined,
      ...(refusedBy && { refusedBy }),
      retryAfterS: resetS,
      headers: {
        'ratelimit-policy': policyHeader,
        ratelimit: policies.map((p, i) => `"${p.name}";r=${remaining[i]};t=${resetS}`).join(', '),
      },
    };
  }

  return {
    spend: (subject) => run('spend', subject),
    peek: (subject) => run('peek', subject),
    async refund(subject) {
      await run('refund', subject);
    },
  };
}

export function rateLimited(state: LimitState, detail: string): HttpProblem {
  return new HttpProblem(429, 'RATE_LIMITED', detail, {
    headers: { ...state.headers, 'retry-after': String(state.retryAfterS) },
  });
}
