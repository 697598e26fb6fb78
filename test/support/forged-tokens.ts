import { createHmac, createPublicKey } from 'node:crypto';
import type { JWK, JWTPayload } from 'jose';

// Tokens no honest issuer makes, for hostile-input tests: unsigned (`alg: none`), and HMAC-signed
// with the issuer's public key as the secret (the classic algorithm-confusion attack on a
// verifier that lets the token pick its algorithm).

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function unsignedToken(claims: JWTPayload, kid?: string): string {
  return `${part({ alg: 'none', typ: 'JWT', kid })}.${part(claims)}.`;
}

export function hs256WithPublicKey(publicJwk: JWK, claims: JWTPayload): string {
  const pem = createPublicKey({ key: publicJwk as Record<string, unknown>, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
  const signingInput = `${part({ alg: 'HS256', typ: 'JWT', kid: publicJwk.kid })}.${part(claims)}`;
  const signature = createHmac('sha256', pem).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}
