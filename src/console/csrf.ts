import fastifyCsrf from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyRequest } from 'fastify';

// CSRF tokens (@fastify/csrf-protection) on every form that changes something. The token
// travels in the form field `_csrf` (or the X-CSRF-Token header htmx sends).
//
// Signed-in pages keep the token's secret in the session: a token is good for its own session
// only. The sign-in form keeps it in a cookie of its own (double submit) instead, so that
// showing the sign-in page writes nothing to Redis: anonymous visitors cannot fill it.

export const SIGN_IN_CSRF_COOKIE = 'ocn_console_signin';

const getToken = (request: FastifyRequest) =>
  (request.body as { _csrf?: string } | undefined)?._csrf ??
  (request.headers['x-csrf-token'] as string | undefined);

/** For the signed-in pages' scope. */
export function registerSessionCsrf(scope: FastifyInstance) {
  return scope.register(fastifyCsrf, { sessionPlugin: '@fastify/session', getToken });
}

/** For the sign-in scope: the secret in an HttpOnly, SameSite=Strict cookie of that path. */
export function registerSignInCsrf(scope: FastifyInstance) {
  return scope.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: SIGN_IN_CSRF_COOKIE,
    cookieOpts: { path: '/console/sign-in', httpOnly: true, sameSite: 'strict' },
    getToken,
  });
}
