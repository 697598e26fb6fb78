import { and, eq, isNull } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import type { Database } from '../db/client.ts';
import { apiKeys } from '../db/schema.ts';
import { hashApiKey, looksLikeApiKey } from './api-key.ts';

/** An operator's key: it acts for that operator only. */
export interface OperatorPrincipal {
  apiKeyId: string;
  role: 'operator';
  operatorId: string;
}

/** A platform admin key: it belongs to no operator (Bull Board, /metrics; not the operator API). */
export interface AdminPrincipal {
  apiKeyId: string;
  role: 'admin';
  operatorId: null;
}

export type Principal = OperatorPrincipal | AdminPrincipal;

function toPrincipal(row: {
  apiKeyId: string;
  operatorId: string | null;
  role: 'operator' | 'admin';
}): Principal | null {
  if (row.role === 'admin') return { apiKeyId: row.apiKeyId, role: 'admin', operatorId: null };
  // The schema's check constraint rules out an operator key without an operator.
  return row.operatorId
    ? { apiKeyId: row.apiKeyId, role: 'operator', operatorId: row.operatorId }
    : null;
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
      const principal = row ? toPrincipal(row) : null;
      if (!principal) return null;
      cache?.set(hash, principal);
      return principal;
    },
  };
}

/** The key of an `Authorization: Bearer <key>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
