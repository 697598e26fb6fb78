import type { Session } from 'fastify';
import type { RedisClient } from '../queue/redis.ts';

// The console's sessions live in Redis (server-side), one key per session under the
// queue prefix, so every API instance sees every session and signing out ends it everywhere.
// A key expires by itself: at the idle end, or at the absolute end if that is sooner, so a
// session nobody signs out of leaves nothing behind.

/** What a console session holds once signed in (fastify's `Session`, extended in session.ts). */
export interface SessionTimes {
  /** Epoch ms of the sign-in; absent before it (a sign-in page's CSRF secret only). */
  signedInAt?: number;
}

export interface SessionLifetimes {
  idleMs: number;
  maxMs: number;
}

// A session that never signed in holds only the sign-in form's CSRF secret: short-lived, so
// loading the sign-in page many times leaves little in Redis.
const ANONYMOUS_TTL_MS = 15 * 60 * 1000;

type Callback = (err?: unknown) => void;
type GetCallback = (err: unknown, session?: Session | null) => void;

/** The store interface @fastify/session calls (express-session's: get, set, destroy). */
export function createRedisSessionStore(
  redis: RedisClient,
  keyPrefix: string,
  lifetimes: SessionLifetimes,
) {
  const key = (id: string) => `${keyPrefix}:${id}`;
  const ttlOf = (session: SessionTimes): number => {
    if (session.signedInAt === undefined) return ANONYMOUS_TTL_MS;
    const left = session.signedInAt + lifetimes.maxMs - Date.now();
    return Math.min(lifetimes.idleMs, left);
  };
  return {
    get(id: string, callback: GetCallback) {
      redis.get(key(id)).then(
        (json) => callback(undefined, json === null ? null : (JSON.parse(json) as Session)),
        (err: unknown) => callback(err),
      );
    },
    set(id: string, session: Session, callback: Callback) {
      const ttlMs = ttlOf(session);
      // Past its absolute end a session is not written again: it is gone.
      const write =
        ttlMs <= 0
          ? redis.del(key(id))
          : redis.set(key(id), JSON.stringify(session), 'PX', Math.ceil(ttlMs));
      write.then(
        () => callback(),
        (err: unknown) => callback(err),
      );
    },
    destroy(id: string, callback: Callback) {
      redis.del(key(id)).then(
        () => callback(),
        (err: unknown) => callback(err),
      );
    },
  };
}
