import { createHash, randomBytes } from 'node:crypto';

// API keys are 32 random bytes: a fast hash is enough (no password-style stretching needed),
// and lets a request find its key with one indexed lookup.
const KEY_PREFIX = 'ocn_';

export interface NewApiKey {
  /** The full secret: shown once, never stored. */
  key: string;
  /** First characters of the key, stored so people can tell their keys apart. */
  prefix: string;
  hash: string;
}

export function generateApiKey(): NewApiKey {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, 12), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A cheap shape check before any database lookup. */
export function looksLikeApiKey(value: string): boolean {
  return /^ocn_[A-Za-z0-9_-]{43}$/.test(value);
}
