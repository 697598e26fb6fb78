import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KeyAuthenticator } from '../keys/authenticate.ts';
import type { SessionLifetimes } from './session-store.ts';

// Every console page but sign-in (and the static assets) needs a signed-in session. A
// session past its idle or absolute end is destroyed even if Redis still had it (its key's TTL
// normally ends it first), and so is one whose API key was revoked since: the visitor is sent
// to sign in.

export const SIGN_IN_PATH = '/console/sign-in';

export function requireSignedIn(lifetimes: SessionLifetimes, keys: KeyAuthenticator) {
  return async function guard(request: FastifyRequest, reply: FastifyReply) {
    const session = request.session;
    const now = Date.now();
    const principal = session?.principal;
    const live =
      principal !== undefined &&
      now - (session.signedInAt ?? 0) < lifetimes.maxMs &&
      now - (session.lastSeenAt ?? 0) < lifetimes.idleMs &&
      // Sessions are opened with API keys only (an access token cannot sign in to the console).
      principal.apiKeyId !== null &&
      (await keys.isActive(principal.apiKeyId));
    if (!live) {
      if (principal) await session.destroy();
      // htmx follows HX-Redirect with a full page load; a plain browser follows the 303.
      if (request.headers['hx-request']) reply.header('hx-redirect', SIGN_IN_PATH);
      return reply.redirect(SIGN_IN_PATH, 303);
    }
    session.lastSeenAt = now;
    request.principal = principal;
  };
}
