import { TENANT_PLACEHOLDER } from '../config-oidc.ts';

// The configured issuers (OIDC_ISSUERS) and which token `iss` each one accepts: the exact URL,
// or for a multi-tenant template (`https://login.microsoftonline.com/{tenantid}/v2.0`) that URL
// with any tenant id in place of `{tenantid}`. Matching is local string work: a token naming
// an issuer we do not trust never causes a fetch.

/** Entra tenant ids are GUIDs; nothing else may stand in for the placeholder. */
const TENANT_ID = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})';

export interface TrustedIssuer {
  /** As configured, `{tenantid}` included: the key for this issuer's keys and mappings. */
  configured: string;
  /** Where its discovery document is (a template's is its `common` endpoint). */
  discoveryUrl: URL;
  /** The tenant a template issuer's `iss` names; undefined for an exact issuer. */
  tenantOf(iss: string): string | undefined;
  matches(iss: string): boolean;
}

export function trustedIssuer(configured: string): TrustedIssuer {
  const base = configured.replace(TENANT_PLACEHOLDER, 'common').replace(/\/+$/, '');
  const discoveryUrl = new URL(`${base}/.well-known/openid-configuration`);
  if (!configured.includes(TENANT_PLACEHOLDER)) {
    return {
      configured,
      discoveryUrl,
      tenantOf: () => undefined,
      matches: (iss) => iss === configured,
    };
  }
  const [before = '', after = ''] = configured.split(TENANT_PLACEHOLDER);
  const pattern = new RegExp(`^${escapeRegExp(before)}${TENANT_ID}${escapeRegExp(after)}$`, 'i');
  return {
    configured,
    discoveryUrl,
    tenantOf: (iss) => pattern.exec(iss)?.[1]?.toLowerCase(),
    matches: (iss) => pattern.test(iss),
  };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The trusted issuer whose tokens may carry this `iss`, if any. */
export function findIssuer(issuers: readonly TrustedIssuer[], iss: string) {
  return issuers.find((issuer) => issuer.matches(iss));
}
