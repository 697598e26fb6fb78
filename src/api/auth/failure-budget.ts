import { LRUCache } from 'lru-cache';
import type { RedisClient } from '../../queue/redis.ts';
import { createRateLimiter, type LimitState } from '../budgets/rate-limit.ts';

// The failed-authentication budget of a client (its address): only failing attempts spend it,
// so a valid credential is never refused because others behind the same address failed. Every
// credential check uses it (API keys, admin keys, the admin password; bearer tokens of another
// issuer would too), each surface with its own policy name and Redis key.

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
  const blocked = new LRUCache<string, true>({ max: BLOCKED_CLIENTS_REMEMBERED, ttl: 1000 });
  const remember = (client: string, state: LimitState) => {
    if (state.allowed) blocked.delete(client);
    else blocked.set(client, true, { ttl: state.retryAfterS * 1000 });
    return state;
  };
  const spend = async (client: string) => remember(client, await limiter.spend(client));
  return {
    isBlocked: (client) => blocked.has(client),
    spendFailure: spend,
    reserve: spend,
    refund: (client) => limiter.refund(client),
  };
}
