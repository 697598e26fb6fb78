import { randomUUID, type webcrypto } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

// A real OpenID Connect issuer for tests, on 127.0.0.1: a discovery document and a JWKS over
// HTTP, keys made with jose, tokens minted and signed by it. It counts the fetches it answers
// (a test can show a flood cost none), can add, publish and withdraw keys while running, and
// can be stopped (an issuer that is down). Besides its exact issuer URL it serves the
// multi-tenant shape of Entra ID: `<url>/{tenantid}/v2.0`, discovered at `<url>/common/v2.0`.

export type TestAlg = 'RS256' | 'ES256';

export interface TestKey {
  kid: string;
  alg: TestAlg;
  privateKey: webcrypto.CryptoKey;
  publicJwk: JWK;
}

export interface MintOptions {
  /** Claims over the defaults (iss = the issuer, iat now, exp in 10 minutes). */
  claims?: JWTPayload;
  /** Header `kid` other than the key's (e.g. none). */
  kid?: string | null;
}

export interface TestIssuer {
  /** The exact issuer: `http://127.0.0.1:<port>`. */
  url: string;
  /** The multi-tenant template, `{tenantid}` included, as OIDC_ISSUERS takes it. */
  template: string;
  /** The template with a tenant filled in: a token's `iss`. */
  tenantIssuer(tenantId: string): string;
  readonly fetches: { discovery: number; jwks: number };
  /** A new key pair; published in the JWKS unless `publish` is false. */
  addKey(alg: TestAlg, publish?: boolean): Promise<TestKey>;
  publish(key: TestKey): void;
  withdraw(key: TestKey): void;
  mint(key: TestKey, options?: MintOptions): Promise<string>;
  /** Stops answering (connections refused); `url` stays the same. */
  stop(): Promise<void>;
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const published = new Map<string, JWK>();
  const fetches = { discovery: 0, jwks: 0 };
  let url = '';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    let body: unknown;
    if (path === '/.well-known/openid-configuration') {
      fetches.discovery++;
      body = { issuer: url, jwks_uri: `${url}/keys` };
    } else if (path === '/common/v2.0/.well-known/openid-configuration') {
      fetches.discovery++;
      body = { issuer: `${url}/{tenantid}/v2.0`, jwks_uri: `${url}/keys` };
    } else if (path === '/keys') {
      fetches.jwks++;
      body = { keys: [...published.values()] };
    }
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    template: `${url}/{tenantid}/v2.0`,
    tenantIssuer: (tenantId) => `${url}/${tenantId}/v2.0`,
    fetches,
    async addKey(alg, publish = true) {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const kid = randomUUID();
      const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
      const key = { kid, alg, privateKey, publicJwk };
      if (publish) published.set(kid, publicJwk);
      return key;
    },
    publish: (key) => published.set(key.kid, key.publicJwk),
    withdraw: (key) => published.delete(key.kid),
    async mint(key, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const kid = options.kid === undefined ? key.kid : options.kid;
      return new SignJWT({ iss: url, iat: now, exp: now + 600, ...options.claims })
        .setProtectedHeader({ alg: key.alg, typ: 'JWT', ...(kid !== null && { kid }) })
        .sign(key.privateKey);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
