import { randomBytes } from 'node:crypto';
import type { Webhook } from 'standardwebhooks';

// Secrets and signatures of the Standard Webhooks specification, through its reference
// package: receivers verify with the same `new Webhook(secret).verify(body, headers)`.

const SECRET_BYTES = 32;

/** A new signing secret: `whsec_` and 32 random bytes in base64 (the spec allows 24–64). */
export function newSecret(): string {
  return `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * The headers of one attempt: one `v1,` signature per secret, space-separated (during a
 * rotation both the new and the previous secret sign, so a receiver with either verifies).
 * A signer is `new Webhook(secret)`, kept per endpoint (target-cache.ts).
 */
export function signedHeaders(
  messageId: string,
  at: Date,
  body: string,
  signers: readonly Webhook[],
): SignedHeaders {
  const signatures = signers.map((signer) => signer.sign(messageId, at, body));
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
