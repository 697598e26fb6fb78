import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDbUnavailableError } from '../db/unavailable.ts';
import {
  bearerToken,
  type KeyAuthenticator,
  type OperatorPrincipal,
  type Principal,
} from '../keys/authenticate.ts';
import { HttpProblem, serviceUnavailable } from './problem.ts';
import {
  assertRateLimitReachable,
  markRateLimitUnavailable,
  type RateLimiter,
  rateLimited,
} from './rate-limit.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every route of the API scope. */
    principal: OperatorPrincipal | null;
  }
}

const TOO_MANY_FAILURES = 'Too many failed authentication attempts from this client';

/**
 * `onRequest` hook: Bearer API key → `request.principal`. Missing, unknown and revoked keys get
 * one identical 401. Failures spend a per-client-IP budget of their own (never the operators'
 * endpoint budget). While that budget is spent the client is refused before its key is looked
 * at, so a flood of random keys costs Redis reads, not database queries.
 *
 * The budget is read (not reserved) before the lookup, so valid keys never spend it and any
 * number of them may be in flight from one address. The price: a burst of bad keys that are all
 * in flight when the budget fills can exceed it by that burst, which costs database lookups
 * but no realistic guess (keys carry 256 random bits).
 */
export function createAuthHook(keys: KeyAuthenticator, failures: RateLimiter<string>) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    // Without Redis the budget cannot be read: the job reads (Postgres) keep answering, and a
    // failure below still answers 503 because it cannot be counted; so does a budget spend
    // later in this request, at once.
    const before = await failures.peek(request.ip).catch(() => {
      markRateLimitUnavailable(request);
      return undefined;
    });
    if (before && !before.allowed) throw rateLimited(before, TOO_MANY_FAILURES);
    let principal: Principal | null;
    try {
      principal = await keys.authenticate(bearerToken(request.headers.authorization));
    } catch (err) {
      if (!isDbUnavailableError(err)) throw err;
      throw serviceUnavailable('Authentication is unavailable; retry later');
    }
    if (principal?.role === 'admin') {
      throw new HttpProblem(
        403,
        'FORBIDDEN',
        'Admin keys belong to no operator and cannot call the operator API',
      );
    }
    if (principal) {
      request.principal = principal;
      return;
    }
    assertRateLimitReachable(request);
    const state = await failures.spend(request.ip);
    if (!state.allowed) throw rateLimited(state, TOO_MANY_FAILURES);
    reply.headers(state.headers);
    throw new HttpProblem(401, 'UNAUTHORIZED', 'A valid API key is required', {
      headers: { 'www-authenticate': 'Bearer' },
    });
  };
}

/** The authenticated principal; routes of the API scope always have one. */
export function principalOf(request: FastifyRequest): OperatorPrincipal {
  if (!request.principal) throw new HttpProblem(401, 'UNAUTHORIZED', 'A valid API key is required');
  return request.principal;
}
