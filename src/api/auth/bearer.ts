import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDbUnavailableError } from '../../db/error-classes.ts';
import {
  bearerToken,
  type KeyAuthenticator,
  type OperatorPrincipal,
  type Principal,
  principalName,
} from '../../keys/authenticate.ts';
import { IssuerUnavailableError } from '../../oidc/unavailable.ts';
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

/** The one 401 of the operator API, for a missing, unknown, revoked or invalid credential. */
const UNAUTHORIZED = 'A valid API key or access token is required';

/**
 * `onRequest` hook: Bearer API key or OpenID Connect access token → `request.principal`. Missing, unknown and revoked keys get
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
    const credential = bearerToken(request.headers.authorization);
    try {
      principal = await keys.authenticate(credential, {
        suspect: failures.isBlocked(request.ip),
      });
    } catch (err) {
      throw authUnavailable(err);
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
      // Every later log line of the request names who made it (never the credential itself).
      request.log = request.log.child({ principal: principalName(principal) });
      reply.log = request.log;
      return;
    }
    // Without Redis a failure cannot be counted: 503 (rate-limit.ts), never an uncounted 401.
    const state = await failures.spendFailure(request.ip);
    if (!state.allowed) throw rateLimited(state, TOO_MANY_FAILURES);
    reply.headers(state.headers);
    throw new HttpProblem(401, 'UNAUTHORIZED', UNAUTHORIZED, {
      headers: { 'www-authenticate': bearerChallenge(credential) },
    });
  };
}

/** RFC 6750 §3: a credential that was presented and failed is `invalid_token`. */
export function bearerChallenge(credential: string | undefined): string {
  return credential === undefined ? 'Bearer' : 'Bearer error="invalid_token"';
}

/**
 * 503 when the credential could not be checked: the database (API keys, client mappings) or
 * a token's issuer (its keys) is unreachable. Anything else is a bug and stays one.
 */
export function authUnavailable(err: unknown): unknown {
  if (isDbUnavailableError(err))
    return serviceUnavailable('Authentication is unavailable; retry later');
  if (err instanceof IssuerUnavailableError) {
    return serviceUnavailable("The token's issuer cannot be reached; retry later", err.retryAfterS);
  }
  return err;
}

/** The authenticated principal; routes of the API scope always have one. */
export function principalOf(request: FastifyRequest): OperatorPrincipal {
  if (!request.principal) throw new HttpProblem(401, 'UNAUTHORIZED', UNAUTHORIZED);
  return request.principal;
}
