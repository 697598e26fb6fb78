import type { FastifyInstance } from 'fastify';
import type { FailureBudget } from '../../api/auth/failure-budget.ts';
import { rateLimited } from '../../api/budgets/rate-limit.ts';
import { HttpProblem, serviceUnavailable } from '../../api/http/problem.ts';
import { isDbUnavailableError } from '../../db/error-classes.ts';
import type { KeyAuthenticator } from '../../keys/authenticate.ts';
import { SIGN_IN_CSRF_COOKIE } from '../csrf.ts';
import { SIGN_IN_PATH } from '../guard.ts';
import { renderPage } from '../render.ts';

/**
 * Sign-in with an operator API key, checked exactly as the API checks a bearer key: an unknown
 * or revoked key spends the client's failed-authentication budget (the API's own, per address)
 * and gets a 401 page, 429 once the budget is spent; an admin key gets a 403 page. A good key
 * gets a new session (a new id: the sign-in page's session is dropped, so an id planted before
 * sign-in is worth nothing) holding the operator principal, never the key.
 */
export function registerSignIn(
  app: FastifyInstance,
  ctx: { keys: KeyAuthenticator; failures: FailureBudget },
) {
  app.get('/sign-in', async (request, reply) => {
    if (request.session.principal) return reply.redirect('/console', 303);
    return renderPage(request, reply, 'sign-in', { title: 'Sign in' });
  });

  app.post('/sign-in', { preHandler: app.csrfProtection }, async (request, reply) => {
    const field = (request.body as Record<string, unknown> | undefined)?.apiKey;
    const apiKey = typeof field === 'string' ? field.slice(0, 200) : '';
    const principal = await ctx.keys
      .authenticate(apiKey.trim(), { suspect: ctx.failures.isBlocked(request.ip) })
      .catch((err: unknown) => {
        if (isDbUnavailableError(err))
          throw serviceUnavailable('Sign-in is unavailable; retry later');
        throw err;
      });
    if (principal?.role === 'admin') {
      throw new HttpProblem(
        403,
        'FORBIDDEN',
        'Admin keys belong to no operator and cannot use the operator console (Bull Board is at /admin/queues).',
      );
    }
    if (!principal) {
      const state = await ctx.failures.spendFailure(request.ip);
      if (!state.allowed) {
        throw rateLimited(state, 'Too many failed sign-ins from this address; wait and retry');
      }
      reply.headers(state.headers);
      throw new HttpProblem(401, 'UNAUTHORIZED', 'That API key is not valid.');
    }
    await request.session.regenerate();
    const now = Date.now();
    request.session.principal = principal;
    request.session.signedInAt = now;
    request.session.lastSeenAt = now;
    request.log.info({ operatorId: principal.operatorId }, 'console sign-in');
    reply.clearCookie(SIGN_IN_CSRF_COOKIE, { path: SIGN_IN_PATH });
    return reply.redirect('/console', 303);
  });
}

/** Sign-out ends the session in Redis, so its cookie opens nothing any more, anywhere. */
export function registerSignOut(app: FastifyInstance) {
  app.post('/sign-out', { preHandler: app.csrfProtection }, async (request, reply) => {
    await request.session.destroy();
    reply.clearCookie('ocn_console', { path: '/console' });
    return reply.redirect(SIGN_IN_PATH, 303);
  });
}
