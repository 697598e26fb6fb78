import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { createKeyAuthenticator, type KeyAuthenticator } from '../keys/authenticate.ts';
import { DEFAULT_KEY_TIMINGS, type IssuerKeyTimings } from './issuer-keys.ts';
import { createTokenAuthenticator } from './token-authenticator.ts';
import { createTokenVerifier, looksLikeJwt } from './verify-token.ts';

/**
 * What a bearer credential authenticates as: an API key (`ocn_…`) through the key lookup, or,
 * when OIDC issuers are configured, an access token (a JWT) through src/oidc/. Both end in
 * the same principals, so every surface that takes an API key takes a mapped token, with the
 * same answers and the same failure budget. Throws IssuerUnavailableError when a token's issuer
 * cannot be reached.
 */
export function createCredentialAuthenticator(
  db: Database,
  config: Pick<Config, 'oidc'>,
  keyTimings: Partial<IssuerKeyTimings> = {},
): KeyAuthenticator {
  const keys = createKeyAuthenticator(db);
  if (!config.oidc) return keys;
  const verify = createTokenVerifier(config.oidc, { ...DEFAULT_KEY_TIMINGS, ...keyTimings });
  const tokens = createTokenAuthenticator(db, verify);
  return {
    authenticate(credential, options) {
      if (credential && looksLikeJwt(credential)) return tokens(credential);
      return keys.authenticate(credential, options);
    },
    isActive: (apiKeyId) => keys.isActive(apiKeyId),
  };
}
