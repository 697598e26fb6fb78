import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { bearerToken, type KeyAuthenticator } from '../../keys/authenticate.ts';
import { sendProblem } from '../error-handler.ts';
import { HttpProblem, serviceUnavailable } from '../problem.ts';
import { type RateLimiter, rateLimited } from '../rate-limit.ts';

export const ADMIN_REALM = 'oc-numbers-admin';

export interface AdminAuthDeps {
  keys: KeyAuthenticator;
  bullBoard: Config['bullBoard'];
  /** Per client IP: every attempt reserves a unit, a successful one gives it back. */
  failures: RateLimiter<string>;
}

const TOO_MANY_FAILURES = 'Too many failed admin logins';

/**
 * `onRequest` hook for the admin surfaces (Bull Board, /metrics): an admin API key
 * (`Authorization: Bearer …`) or the configured HTTP Basic credentials. An operator key is 403;
 * anything else is 401 with a Basic challenge, so a browser asks for the credentials. With no
 * Basic credentials configured and no admin key created, nothing is ever served.
 *
 * Online guessing: each attempt reserves a unit of the client's failure budget *before* the
 * credentials are checked, and a spent budget is refused without checking them, Basic and
 * Bearer alike; a success gives its unit back. Reserving (rather than reading) means parallel
 * guesses cannot slip past the budget together; admin clients are few and barely concurrent.
 *
 * Replies are sent here rather than thrown: inside Bull Board's scope its own error handler
 * would turn a thrown error into a non-problem JSON body.
 */
export function createAdminAuth(deps: AdminAuthDeps) {
  return async function requireAdmin(request: FastifyRequest, reply: FastifyReply) {
    try {
      // Without Redis nothing can be counted: valid credentials still open /metrics (most
      // wanted during an outage), and a failure answers 503, as it cannot be counted.
      const attempt = await deps.failures.spend(request.ip).catch(() => undefined);
      if (attempt && !attempt.allowed) {
        return sendProblem(rateLimited(attempt, TOO_MANY_FAILURES), request, reply);
      }
      const verdict = await check(deps, request.headers.authorization);
      if (!attempt && verdict === 'unauthorized') {
        throw serviceUnavailable('Rate limiting is unavailable; retry later');
      }
      // A lost refund over-counts one attempt; not worth failing a valid login for.
      if (attempt && verdict !== 'unauthorized')
        await deps.failures.refund(request.ip).catch(() => {});
      if (verdict === 'admin') return;
      if (verdict === 'forbidden') {
        return sendProblem(
          new HttpProblem(403, 'FORBIDDEN', 'This needs an admin API key'),
          request,
          reply,
        );
      }
      if (attempt) reply.headers(attempt.headers);
      return sendProblem(
        new HttpProblem(401, 'UNAUTHORIZED', 'Admin credentials are required', {
          headers: { 'www-authenticate': `Basic realm="${ADMIN_REALM}", charset="UTF-8"` },
        }),
        request,
        reply,
      );
    } catch (err) {
      return sendProblem(err, request, reply);
    }
  };
}

async function check(
  deps: AdminAuthDeps,
  header: string | undefined,
): Promise<'admin' | 'forbidden' | 'unauthorized'> {
  const token = bearerToken(header);
  if (token) {
    const principal = await deps.keys.authenticate(token);
    if (!principal) return 'unauthorized';
    return principal.role === 'admin' ? 'admin' : 'forbidden';
  }
  return deps.bullBoard && basicMatches(header, deps.bullBoard) ? 'admin' : 'unauthorized';
}

function basicMatches(
  header: string | undefined,
  expected: { user: string; password: string },
): boolean {
  const match = /^Basic[ ]+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  // Both compared, always, so the time taken tells nothing about which one was wrong.
  const userOk = safeEqual(decoded.slice(0, colon), expected.user);
  const passwordOk = safeEqual(decoded.slice(colon + 1), expected.password);
  return userOk && passwordOk;
}

function safeEqual(actual: string, expected: string): boolean {
  const a = Buffer.from(actual);
  const b = Buffer.from(expected);
  // Compare against itself on a length mismatch so the work done does not depend on it.
  return timingSafeEqual(a.length === b.length ? a : b, b) && a.length === b.length;
}
