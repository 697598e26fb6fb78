import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { bearerToken, type KeyAuthenticator } from '../../keys/authenticate.ts';
import { type LimitState, rateLimited } from '../budgets/rate-limit.ts';
import { sendProblem } from '../http/error-handler.ts';
import { HttpProblem } from '../http/problem.ts';
import { basicMatches, isBasic } from './basic-credentials.ts';
import { authUnavailable } from './bearer.ts';
import { createDeviceCookies, type DeviceCookies } from './device-cookie.ts';
import type { FailureBudget } from './failure-budget.ts';

export const ADMIN_REALM = 'oc-numbers-admin';

export interface AdminAuthDeps {
  keys: KeyAuthenticator;
  bullBoard: Config['bullBoard'];
  /** Per client IP; only failed attempts spend it. */
  failures: FailureBudget;
}

const TOO_MANY_FAILURES = 'Too many failed admin logins';

/**
 * `onRequest` hook for the admin surfaces (Bull Board, /metrics): an admin API key or an admin
 * client's access token (`Authorization: Bearer …`) or the configured HTTP Basic credentials. An operator key is 403;
 * anything else is 401 with a Basic challenge, so a browser asks for the credentials. With no
 * Basic credentials configured and no admin key created, nothing is ever served.
 *
 * Only failures spend the client's budget, and a spent budget answers 429 to failures, but the
 * two kinds of secret are checked differently (docs/operations.md, "Bull Board"):
 * - An API key (256 random bits) is always checked, as on the operator API: a valid admin key
 *   is never refused because others behind the same address failed.
 * - A password may be guessable, so it is checked only when its failure can be counted first:
 *   each attempt reserves a unit (parallel guesses cannot get past the budget together) and a
 *   success gives it back. A spent budget is 429 without looking at the password, except from a
 *   browser that logged in before (device cookie). While Redis is unreachable the budget is
 *   this process's own (failure-budget.ts), so the password is still counted before checked.
 * - A request with no credentials at all guesses nothing: a 401 challenge, not counted.
 *
 * Replies are sent here rather than thrown: inside Bull Board's scope its own error handler
 * would turn a thrown error into a non-problem JSON body.
 */
export function createAdminAuth(deps: AdminAuthDeps) {
  const devices = deps.bullBoard && createDeviceCookies(deps.bullBoard);
  return async function requireAdmin(request: FastifyRequest, reply: FastifyReply) {
    try {
      const header = request.headers.authorization;
      const token = bearerToken(header);
      if (token) {
        const principal = await adminKeyOf(deps, token, request.ip);
        if (principal?.role === 'admin') return;
        if (principal)
          throw new HttpProblem(403, 'FORBIDDEN', 'This needs an admin API key or client');
      } else if (deps.bullBoard && devices && isBasic(header)) {
        const state = await passwordLogin(deps.failures, deps.bullBoard, devices, request, reply);
        if (state === 'admin') return;
        reply.headers(state.headers);
        throw challenge();
      } else if (header === undefined) {
        throw challenge();
      }
      const state = await deps.failures.spendFailure(request.ip);
      if (!state.allowed) throw rateLimited(state, TOO_MANY_FAILURES);
      reply.headers(state.headers);
      throw challenge();
    } catch (err) {
      return sendProblem(err, request, reply);
    }
  };
}

async function adminKeyOf(deps: AdminAuthDeps, token: string, client: string) {
  try {
    return await deps.keys.authenticate(token, { suspect: deps.failures.isBlocked(client) });
  } catch (err) {
    throw authUnavailable(err);
  }
}

/** 'admin', or the budget after a counted wrong password; throws 429 when not checked. */
async function passwordLogin(
  failures: FailureBudget,
  credentials: NonNullable<Config['bullBoard']>,
  devices: DeviceCookies,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<'admin' | LimitState> {
  const header = request.headers.authorization;
  const known = devices.isKnown(request);
  const reserved = await failures.reserve(request.ip);
  if (!reserved.allowed) {
    if (known && basicMatches(header, credentials)) return 'admin';
    throw rateLimited(reserved, TOO_MANY_FAILURES);
  }
  if (!basicMatches(header, credentials)) return reserved;
  // A lost refund over-counts one attempt; not worth failing a valid login for.
  await failures.refund(request.ip).catch(() => {});
  if (!known) reply.header('set-cookie', devices.issue(request));
  return 'admin';
}

const challenge = () =>
  new HttpProblem(401, 'UNAUTHORIZED', 'Admin credentials are required', {
    headers: { 'www-authenticate': `Basic realm="${ADMIN_REALM}", charset="UTF-8"` },
  });
