import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import type { FastifyInstance } from 'fastify';
import type { OperatorPrincipal } from '../keys/authenticate.ts';
import type { RedisClient } from '../queue/redis.ts';
import { createRedisSessionStore, type SessionLifetimes } from './session-store.ts';

declare module 'fastify' {
  interface Session {
    /** Set at sign-in (the session is regenerated then); absent on the sign-in page's session. */
    principal?: OperatorPrincipal;
    signedInAt?: number;
    lastSeenAt?: number;
    /** The CSRF secret of @fastify/csrf-protection. */
    _csrf?: string;
  }
}

export const SESSION_COOKIE = 'ocn_console';
export const CONSOLE_PATH = '/console';

// The cookie carries the session id only: 256 random bits, the session itself is in Redis. It
// is not signed: a signature needs a secret shared by every instance and adds nothing to an id
// nobody can guess (OWASP Session Management Cheat Sheet asks for 64 bits of entropy); an id
// that is not in Redis is simply no session.
const unsigned = {
  sign: (value: string) => value,
  unsign: (input: string) =>
    /^[A-Za-z0-9_-]{43}$/.test(input)
      ? { valid: true, renew: false, value: input }
      : { valid: false, renew: false, value: null },
};

/** Cookie and Redis-backed session for the console's scope (CSRF: csrf.ts). */
export async function registerSessions(
  app: FastifyInstance,
  deps: { redis: RedisClient; keyPrefix: string; lifetimes: SessionLifetimes },
) {
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: unsigned,
    cookieName: SESSION_COOKIE,
    idGenerator: () => randomBytes(32).toString('base64url'),
    store: createRedisSessionStore(deps.redis, deps.keyPrefix, deps.lifetimes),
    // No session (and no cookie) until there is something to keep: a sign-in.
    saveUninitialized: false,
    // Every request writes the session again: that is what moves its idle end.
    rolling: true,
    // A browser-session cookie: the server decides when a session ends (session-store.ts).
    // `secure` is set per request (below): @fastify/session's 'auto' also lowers SameSite to Lax
    // over http, and the console's cookie is Strict everywhere.
    cookie: { path: CONSOLE_PATH, httpOnly: true, sameSite: 'strict', secure: false },
  });
  app.addHook('onRequest', async (request) => {
    request.session?.options({ secure: request.protocol === 'https' });
  });
}
