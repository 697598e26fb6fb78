import { z } from 'zod';
import { issuerProblem } from '../config-oidc.ts';
import type { TrustedIssuer } from './issuers.ts';

// OpenID Connect Discovery 1.0, §4: the issuer's `/.well-known/openid-configuration`. Only
// `jwks_uri` is used; `issuer` must be the configured one (§4.3), so a document served by
// the wrong host cannot point us at someone else's keys.

const DiscoveryDocument = z.object({ issuer: z.string(), jwks_uri: z.string() });

export async function discoverJwksUri(issuer: TrustedIssuer, timeoutMs: number): Promise<URL> {
  const response = await fetch(issuer.discoveryUrl, {
    redirect: 'error',
    signal: AbortSignal.timeout(timeoutMs),
    headers: { accept: 'application/json' },
  });
  if (response.status !== 200) {
    throw new Error(`discovery answered ${response.status}`);
  }
  const document = DiscoveryDocument.parse(await response.json());
  if (document.issuer !== issuer.configured) {
    throw new Error(`discovery names issuer ${document.issuer}, not ${issuer.configured}`);
  }
  // The same rule as for issuers: https, or http on loopback only.
  const problem = issuerProblem(document.jwks_uri);
  if (problem) throw new Error(`jwks_uri: ${problem}`);
  return new URL(document.jwks_uri);
}
