import { LRUCache } from 'lru-cache';
import type { RedisClient } from '../../queue/redis.ts';
import { createRateLimiter, type LimitState } from '../budgets/rate-limit.ts';
import { HttpProblem } from '../http/problem.ts';

// The failed-authentication budget of a client (its address): only failing attempts spend it,
// so a valid credential is never refused because others behind the same address failed. Every
// credential check uses it (API keys, admin keys, the admin password; bearer tokens of another
// issuer would too), each surface with its own policy name and Redis key.
//
// While Redis is unreachable the budget is kept by this process alone (same size and window),
// so a failure can still be counted before a secret is checked: credentials keep working and
// the admin surfaces stay reachable (Prometheus sees `ocn_ready{check="redis"} 0` instead of a
// 503), while a guesser still gets at most the budget per window from each process.

export interface FailureBudget {
  /**
   * True while this process last saw the client's budget spent, until that window ends. Local
   * and synchronous (no Redis round trip): for throttling the work a spent client may cause.
   */
  isBlocked(client: string): boolean;
  /** Counts one failed attempt; `allowed: false` when it was beyond the budget (answer 429). */
  spendFailure(client: string): Promise<LimitState>;
  /**
   * Takes a unit before a guessable secret (a password) is checked, so parallel guesses cannot
   * get past the budget together; give it back with `refund` when the check succeeds. Refused
   * (`allowed: false`) when the budget is spent: then the secret must not be checked.
   */
  reserve(client: string): Promise<LimitState>;
  refund(client: string): Promise<void>;
}

export interface FailureBudgetOptions {
  /** The policy's name in the RateLimit fields of the 401 and 429 answers. */
  policy: string;
  keyPrefix: string;
  max: number;
  windowMs: number;
}

// Clients remembered as blocked by one process; a flood from more addresses than this only
// loses the local throttling of the oldest ones, never the budget itself (that is in Redis).
const BLOCKED_CLIENTS_REMEMBERED = 10_000;

export function createFailureBudget(
  redis: RedisClient,
  options: FailureBudgetOptions,
): FailureBudget {
  const limiter = createRateLimiter<string>(redis, {
    windowMs: options.windowMs,
    policies: [
      {
        name: options.policy,
        max: options.max,
        key: (client) => `${options.keyPrefix}:${client}`,
      },
    ],
  });
  const local = createLocalWindow(options);
  const blocked = new LRUCache<string, true>({ max: BLOCKED_CLIENTS_REMEMBERED, ttl: 1000 });
  const remember = (client: string, state: LimitState) => {
    if (state.allowed) blocked.delete(client);
    else blocked.set(client, true, { ttl: state.retryAfterS * 1000 });
    return state;
  };
  const spend = async (client: string) => {
    try {
      return remember(client, await limiter.spend(client));
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      return remember(client, local.spend(client));
    }
  };
  return {
    isBlocked: (client) => blocked.has(client),
    spendFailure: spend,
    reserve: spend,
    async refund(client) {
      try {
        await limiter.refund(client);
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        local.refund(client);
      }
    },
  };
}

const isUnavailable = (err: unknown) => err instanceof HttpProblem && err.status === 503;

/** A fixed-window counter per client in this process: the budget while Redis cannot keep it. */
function createLocalWindow({ policy, max, windowMs }: FailureBudgetOptions) {
  const counts = new LRUCache<string, { window: number; count: number }>({
    max: BLOCKED_CLIENTS_REMEMBERED,
  });
  const windowS = Math.ceil(windowMs / 1000);
  const current = (client: string) => {
    const window = Math.floor(Date.now() / windowMs);
    const entry = counts.get(client);
    return entry?.window === window ? entry : { window, count: 0 };
  };
  return {
    spend(client: string): LimitState {
      const entry = current(client);
      const allowed = entry.count < max;
      if (allowed) counts.set(client, { ...entry, count: entry.count + 1 });
      const resetS = Math.max(1, Math.ceil((windowMs - (Date.now() % windowMs)) / 1000));
      const remaining = Math.max(0, max - entry.count - (allowed ? 1 : 0));
      return {
        allowed,
        ...(!allowed && { refusedBy: policy }),
        retryAfterS: resetS,
        headers: {
          'ratelimit-policy': `"${policy}";q=${max};w=${windowS}`,
          ratelimit: `"${policy}";r=${remaining};t=${resetS}`,
        },
      };
    },
    refund(client: string) {
      const entry = current(client);
      if (entry.count > 0) counts.set(client, { ...entry, count: entry.count - 1 });
    },
  };
}
