import type { FastifyReply, FastifyRequest } from 'fastify';
import { isTransientDbError } from '../db/retry.ts';
import { bearerToken, type KeyAuthenticator, type Principal } from '../keys/authenticate.ts';
import { HttpProblem, serviceUnavailable } from './problem.ts';
import { type RateLimiter, rateLimited } from './rate-limit.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every route of the API scope. */
    principal: Principal | null;
  }
}

/**
 * `onRequest` hook: Bearer API key → `request.principal`. Missing, unknown and revoked keys get
 * one identical 401. Failures spend a per-client-IP budget of their own (never the operators'
 * endpoint budget); a valid key is never refused because of its IP's failures.
 */
export function createAuthHook(keys: KeyAuthenticator, failures: RateLimiter) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    let principal: Principal | null;
    try {
      principal = await keys.authenticate(bearerToken(request.headers.authorization));
    } catch (err) {
      if (!isTransientDbError(err)) throw err;
      throw serviceUnavailable('Authentication is unavailable; retry later');
    }
    if (principal) {
      request.principal = principal;
      return;
    }
    const state = await failures.hit(request.ip);
    if (!state.allowed) {
      throw rateLimited(state, 'Too many failed authentication attempts from this client');
    }
    reply.headers(state.headers);
    throw new HttpProblem(401, 'UNAUTHORIZED', 'A valid API key is required', {
      headers: { 'www-authenticate': 'Bearer' },
    });
  };
}

/** The authenticated principal; routes of the API scope always have one. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new HttpProblem(401, 'UNAUTHORIZED', 'A valid API key is required');
  return request.principal;
}
