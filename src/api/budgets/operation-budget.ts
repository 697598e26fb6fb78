import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import type { RedisClient } from '../../queue/redis.ts';
import { principalOf } from '../auth/bearer.ts';
import { createRateLimiter, type RateLimiter, rateLimited, rateLimitKeys } from './rate-limit.ts';

// The budget of one operation endpoint (docs/api.md, "Rate limit"): a global budget shared by every
// API instance and every operator, and each operator's share of it. A request must fit both;
// one refused by either spends neither. Each operation endpoint (operation) builds its own.

/** Spent per operator id. */
export type OperationBudget = RateLimiter<string>;

export function createOperationBudget(
  redis: RedisClient,
  config: Pick<Config, 'queuePrefix' | 'rateLimit'>,
  endpoint: string,
): OperationBudget {
  const key = rateLimitKeys(config.queuePrefix).operation(endpoint);
  return createRateLimiter<string>(redis, {
    windowMs: config.rateLimit.windowMs,
    policies: [
      { name: 'global', max: config.rateLimit.max, key: () => `${key}:global` },
      {
        name: 'operator',
        max: config.rateLimit.operatorMax,
        key: (operatorId) => `${key}:operator:${operatorId}`,
      },
    ],
  });
}

const REFUSALS: Readonly<Record<string, string>> = {
  global: 'The global budget of this endpoint is spent; retry later',
  operator: "This operator's share of the endpoint budget is spent; retry later",
};

/**
 * A route `onRequest` hook; it runs after the scope's auth hook, so only authenticated requests
 * spend. Every answer carries the RateLimit fields; a refused request queues nothing.
 */
export function spendOperationBudget(budget: OperationBudget) {
  return async function spend(request: FastifyRequest, reply: FastifyReply) {
    const state = await budget.spend(principalOf(request).operatorId);
    reply.headers(state.headers);
    if (!state.allowed) {
      throw rateLimited(state, REFUSALS[state.refusedBy ?? 'global'] ?? REFUSALS.global ?? '');
    }
  };
}
