import { z } from 'zod';

// OpenID Connect bearer tokens (docs/operations.md, "OpenID Connect access tokens"): which issuers'
// tokens are accepted, for which audience, signed how. Parsed here, checked together with the
// rest of the configuration by src/config.ts.

/** The tenant placeholder of a multi-tenant issuer (Entra ID: `…/{tenantid}/v2.0`). */
export const TENANT_PLACEHOLDER = '{tenantid}';

/**
 * Asymmetric signatures only: `none` is no signature, and an HS* key is a shared secret, so
 * with a public key (the JWKS) it would let anyone who reads the JWKS sign tokens.
 */
export const OIDC_SIGNING_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

const commaList = (value: string) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');

export const oidcEnv = {
  /** Comma-separated issuer URLs (exact `iss`), `{tenantid}` standing for any tenant. */
  OIDC_ISSUERS: z.string().transform(commaList).default([]),
  OIDC_AUDIENCE: z.string().trim().min(1).optional(),
  OIDC_ALGORITHMS: z
    .string()
    .transform(commaList)
    .pipe(
      z
        .array(
          z.enum(OIDC_SIGNING_ALGORITHMS, {
            error: `must be asymmetric signature algorithms: ${OIDC_SIGNING_ALGORITHMS.join(', ')} (never none or HS*)`,
          }),
        )
        .min(1),
    )
    .default(['RS256', 'ES256']),
};

type OidcEnv = {
  OIDC_ISSUERS: string[];
  OIDC_AUDIENCE?: string | undefined;
  OIDC_ALGORITHMS: (typeof OIDC_SIGNING_ALGORITHMS)[number][];
};

export interface OidcConfig {
  issuers: readonly string[];
  audience: string;
  algorithms: readonly string[];
}

/** The OIDC settings, or undefined when no issuer is configured (API keys only). */
export function oidcConfig(env: OidcEnv): OidcConfig | undefined {
  if (env.OIDC_ISSUERS.length === 0 || !env.OIDC_AUDIENCE) return undefined;
  return {
    issuers: Object.freeze([...new Set(env.OIDC_ISSUERS)]),
    audience: env.OIDC_AUDIENCE,
    algorithms: Object.freeze([...new Set(env.OIDC_ALGORITHMS)]),
  };
}

export function oidcProblems(env: OidcEnv): string[] {
  const problems = env.OIDC_ISSUERS.flatMap((issuer) => {
    const problem = issuerProblem(issuer);
    return problem ? [`OIDC_ISSUERS: ${problem}`] : [];
  });
  if (env.OIDC_ISSUERS.length > 0 && !env.OIDC_AUDIENCE) {
    problems.push('OIDC_AUDIENCE is required with OIDC_ISSUERS (tokens for other apps must fail)');
  }
  return problems;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Why `issuer` cannot be trusted as an issuer, or undefined. */
export function issuerProblem(issuer: string): string | undefined {
  const placeholders = issuer.split(TENANT_PLACEHOLDER).length - 1;
  if (placeholders > 1) return `"${issuer}" has more than one ${TENANT_PLACEHOLDER}`;
  let url: URL;
  try {
    url = new URL(issuer.replace(TENANT_PLACEHOLDER, 'common'));
  } catch {
    return `"${issuer}" is not a URL`;
  }
  if (url.search || url.hash || url.username || url.password) {
    return `"${issuer}" must have no query, fragment or credentials`;
  }
  if (placeholders === 1 && !url.pathname.includes('/common')) {
    return `"${issuer}": ${TENANT_PLACEHOLDER} must be a whole path segment`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return `"${issuer}" must be https:// (http:// only on loopback: tests, a local IdP)`;
}
