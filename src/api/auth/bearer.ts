import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDbUnavailableError } from '../../db/error-classes.ts';
import {
  bearerToken,
  type KeyAuthenticator,
  type OperatorPrincipal,
  type Principal,
} from '../../keys/authenticate.ts';
import { rateLimited } from '../budgets/rate-limit.ts';
import { HttpProblem, serviceUnavailable } from '../http/problem.ts';
import type { FailureBudget } from './failure-budget.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every route of the API scope. */
    principal: OperatorPrincipal | null;
  }
}

const TOO_MANY_FAILURES = 'Too many failed authentication attempts from this client';

/**
 * `onRequest` hook: Bearer API key → `request.principal`. Missing, unknown and revoked keys get
 * one identical 401, and each spends the client's failure budget (per address, its own; never
 * the operators' budgets). Once it is spent, failing attempts get 429 until the window ends.
 *
 * The key is checked first, always: a valid key is never refused because others behind the
 * same address (a load balancer, a NAT) failed. That lets a client with a spent budget go on
 * guessing, 429 meaning "wrong" as 401 did; with 256 random bits per key, guessing is hopeless
 * whatever the rate. What the budget still bounds is the cost of a flood: a spent client's
 * lookups the key caches cannot answer go one at a time (KeyAuthenticator's suspect lane).
 */
export function createAuthHook(keys: KeyAuthenticator, failures: FailureBudget) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    let principal: Principal | null;
    try {
      principal = await keys.authenticate(bearerToken(request.headers.authorization), {
        suspect: failures.isBlocked(request.ip),
      });
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
    // Without Redis a failure cannot be counted: 503 (rate-limit.ts), never an uncounted 401.
    const state = await failures.spendFailure(request.ip);
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
