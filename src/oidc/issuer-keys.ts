import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JWTVerifyGetKey,
  type RemoteJWKSet,
} from 'jose';
import { discoverJwksUri } from './discovery.ts';
import type { TrustedIssuer } from './issuers.ts';
import { IssuerUnavailableError } from './unavailable.ts';

// One issuer's signing keys: found through discovery once, then jose's remote JWKS, which
// caches them and refetches on an unknown `kid` at most once per cooldown (30 s), however many
// tokens name unknown kids. What jose leaves to us is an issuer that is down: after a failed
// fetch nothing is fetched again for `retryAfterMs`, so a flood of tokens against a down issuer
// costs no fetch per request either; meanwhile tokens signed by keys already known still pass.

export interface IssuerKeyTimings {
  /** An unknown `kid` refetches the JWKS at most this often. */
  cooldownMs: number;
  /** Keys are refetched when older than this (a removed key stops working then). */
  cacheMaxAgeMs: number;
  /** Each discovery or JWKS fetch gives up after this. */
  fetchTimeoutMs: number;
  /** After a failed fetch, how long tokens that need one are answered 503 without trying. */
  retryAfterMs: number;
}

export const DEFAULT_KEY_TIMINGS: IssuerKeyTimings = {
  cooldownMs: 30_000,
  cacheMaxAgeMs: 10 * 60_000,
  fetchTimeoutMs: 5000,
  retryAfterMs: 5000,
};

export function createIssuerKeys(issuer: TrustedIssuer, timings: IssuerKeyTimings) {
  let remote: Promise<RemoteJWKSet> | undefined;
  let failedUntil = 0;
  const retryAfterS = Math.max(1, Math.ceil(timings.retryAfterMs / 1000));

  const unavailable = (cause?: unknown) => {
    failedUntil = Date.now() + timings.retryAfterMs;
    return new IssuerUnavailableError(issuer.configured, retryAfterS, { cause });
  };
  const discover = () => {
    remote ??= discoverJwksUri(issuer, timings.fetchTimeoutMs).then(
      (jwksUri) =>
        createRemoteJWKSet(jwksUri, {
          cooldownDuration: timings.cooldownMs,
          cacheMaxAge: timings.cacheMaxAgeMs,
          timeoutDuration: timings.fetchTimeoutMs,
        }),
      (err: unknown) => {
        remote = undefined;
        throw unavailable(err);
      },
    );
    return remote;
  };
  /** While the issuer cannot be reached: the keys fetched before, if any. */
  const lastKnown: JWTVerifyGetKey = async (header, token) => {
    const known = (await remote?.catch(() => undefined))?.jwks();
    if (!known) throw new IssuerUnavailableError(issuer.configured, retryAfterS);
    return createLocalJWKSet(known)(header, token);
  };

  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (Date.now() < failedUntil) return lastKnown(header, token);
    const jwks = await discover();
    try {
      return await jwks(header, token);
    } catch (err) {
      if (!isFetchFailure(err)) throw err;
      unavailable(err);
      return lastKnown(header, token);
    }
  };
  return { getKey };
}

/** The JWKS could not be fetched or read (as opposed to: the token names no key in it). */
function isFetchFailure(err: unknown): boolean {
  if (!(err instanceof errors.JOSEError)) return true;
  return (
    err instanceof errors.JWKSTimeout ||
    err instanceof errors.JWKSInvalid ||
    err.code === errors.JOSEError.code
  );
}
