import { decodeJwt, decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from 'jose';
import type { OidcConfig } from '../config-oidc.ts';
import { createIssuerKeys, type IssuerKeyTimings } from './issuer-keys.ts';
import { findIssuer, trustedIssuer } from './issuers.ts';

// Checks an access token: signed by a key of a trusted issuer, with an allowed algorithm, for
// our audience, within its lifetime (60 s skew). Everything that can be decided from the token
// alone (shape, algorithm, issuer) is decided before any key is looked up, so a forged token
// costs no fetch; jose does the rest.

/** Who a valid token speaks for. */
export interface VerifiedClient {
  /** The trusted issuer as configured (a template keeps its `{tenantid}`). */
  issuer: string;
  /** The token's own `iss`. */
  iss: string;
  /** `azp` (Entra v2), else `appid` (v1), else `sub`. */
  clientId: string;
  /** `tid`, when the token has one. */
  tenant: string | undefined;
}

const CLOCK_SKEW_S = 60;
// Far above any real access token (Entra's are 1 to 3 KiB); no bigger input is parsed.
const MAX_TOKEN_CHARS = 16_384;
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Cheap shape check: three base64url parts, bounded. */
export function looksLikeJwt(value: string): boolean {
  return value.length <= MAX_TOKEN_CHARS && JWS_COMPACT.test(value);
}

export type TokenVerifier = (token: string) => Promise<VerifiedClient | null>;

/**
 * Null for a token that is not valid here; throws IssuerUnavailableError when its issuer's keys
 * cannot be fetched (so the token could not be checked).
 */
export function createTokenVerifier(config: OidcConfig, timings: IssuerKeyTimings): TokenVerifier {
  const issuers = config.issuers.map(trustedIssuer);
  const keys = new Map(issuers.map((issuer) => [issuer, createIssuerKeys(issuer, timings)]));
  const algorithms = [...config.algorithms];
  return async (token) => {
    if (!looksLikeJwt(token)) return null;
    const unverified = decodeUnverified(token);
    if (!unverified || !algorithms.includes(unverified.alg)) return null;
    const issuer = findIssuer(issuers, unverified.iss);
    const issuerKeys = issuer && keys.get(issuer);
    if (!issuer || !issuerKeys) return null;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, issuerKeys.getKey, {
        issuer: unverified.iss,
        audience: config.audience,
        algorithms,
        clockTolerance: CLOCK_SKEW_S,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      if (err instanceof errors.JOSEError) return null;
      throw err;
    }
    const tenant = stringClaim(payload, 'tid')?.toLowerCase();
    // A template accepts any tenant's issuer, so the token's tenant must be the one it names.
    const issuerTenant = issuer.tenantOf(unverified.iss);
    if (issuerTenant !== undefined && tenant !== issuerTenant) return null;
    const clientId =
      stringClaim(payload, 'azp') ?? stringClaim(payload, 'appid') ?? stringClaim(payload, 'sub');
    if (!clientId) return null;
    return { issuer: issuer.configured, iss: unverified.iss, clientId, tenant };
  };
}

function decodeUnverified(token: string): { alg: string; iss: string } | undefined {
  try {
    const { alg } = decodeProtectedHeader(token);
    const { iss } = decodeJwt(token);
    return typeof alg === 'string' && typeof iss === 'string' ? { alg, iss } : undefined;
  } catch {
    return undefined;
  }
}

function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' && value !== '' && value.length <= 256 ? value : undefined;
}
