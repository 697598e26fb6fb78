import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import type { RedisClient } from '../../queue/redis.ts';
import { principalOf } from '../auth/bearer.ts';
import { createRateLimiter, type RateLimiter, rateLimited, rateLimitKeys } from './rate-limit.ts';

// Each operator's budget of read requests (docs/api.md, "Rate limit"): one budget shared by
// every read route (jobs, a job, its items, the summary, the number list and its CSV export,
// one number) and every API instance, so no operator can take the database's time from the
// others by reading. The same RateLimit fields as the operation budgets, policy "reads".

/** Spent per operator id. */
export type ReadBudget = RateLimiter<string>;

export function createReadBudget(
  redis: RedisClient,
  config: Pick<Config, 'queuePrefix' | 'readRateLimit'>,
): ReadBudget {
  const key = rateLimitKeys(config.queuePrefix).reads;
  return createRateLimiter<string>(redis, {
    windowMs: config.readRateLimit.windowMs,
    policies: [
      {
        name: 'reads',
        max: config.readRateLimit.operatorMax,
        key: (operatorId) => `${key}:operator:${operatorId}`,
      },
    ],
  });
}

const isRead = (method: string) => method === 'GET' || method === 'HEAD';

/**
 * A scope `onRequest` hook, added after the auth hook: every read of an authenticated operator
 * spends one unit; other methods pass. Every answer carries the RateLimit fields. Without Redis
 * the budget cannot be read and reads are served anyway (Postgres is the record, and is still
 * there): the budget fails open, unlike the operation budgets.
 */
export function spendReadBudget(budget: ReadBudget) {
  return async function spend(request: FastifyRequest, reply: FastifyReply) {
    if (!isRead(request.method)) return;
    const state = await budget.spend(principalOf(request).operatorId).catch((err: unknown) => {
      request.log.warn({ err }, 'read budget unavailable; read served without it');
      return undefined;
    });
    if (!state) return;
    reply.headers(state.headers);
    if (!state.allowed) {
      throw rateLimited(state, "This operator's read budget is spent; retry later");
    }
  };
}
