import { and, eq, isNull } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import type { Database } from '../db/client.ts';
import { apiKeys } from '../db/schema.ts';
import { hashApiKey, looksLikeApiKey } from './api-key.ts';

export interface Principal {
  apiKeyId: string;
  operatorId: string;
  role: 'operator' | 'admin';
}

export interface KeyAuthenticator {
  /** The principal of an active key, or null for a missing, unknown or revoked one. */
  authenticate(key: string | undefined): Promise<Principal | null>;
}

/**
 * Looks keys up by their hash, with a short cache so a busy client costs no query per request;
 * a revoked key stops working within `cacheTtlMs` (0: no cache).
 *
 * Only keys that exist are cached, in a bounded LRU: a flood of random keys never enters it, so
 * it cannot push the keys in use out (the per-client failure budget bounds those lookups).
 */
export function createKeyAuthenticator(
  db: Database,
  cacheTtlMs = 5000,
  maxCachedKeys = 10_000,
): KeyAuthenticator {
  const cache =
    cacheTtlMs > 0
      ? new LRUCache<string, Principal>({ max: maxCachedKeys, ttl: cacheTtlMs })
      : undefined;
  return {
    async authenticate(key) {
      if (!key || !looksLikeApiKey(key)) return null;
      const hash = hashApiKey(key);
      const cached = cache?.get(hash);
      if (cached) return cached;
      const [row] = await db
        .select({ apiKeyId: apiKeys.id, operatorId: apiKeys.operatorId, role: apiKeys.role })
        .from(apiKeys)
        .where(and(eq(apiKeys.keyHash, hash), isNull(apiKeys.revokedAt)))
        .limit(1);
      if (!row) return null;
      cache?.set(hash, row);
      return row;
    },
  };
}

/** The key of an `Authorization: Bearer <key>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
