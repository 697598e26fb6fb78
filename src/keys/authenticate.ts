import { and, eq, isNull } from 'drizzle-orm';
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
 * a revoked key stops working within `cacheTtlMs`.
 */
export function createKeyAuthenticator(db: Database, cacheTtlMs = 5000): KeyAuthenticator {
  const cache = new Map<string, { principal: Principal | null; expiresAt: number }>();
  return {
    async authenticate(key) {
      if (!key || !looksLikeApiKey(key)) return null;
      const hash = hashApiKey(key);
      const now = Date.now();
      const hit = cache.get(hash);
      if (hit && hit.expiresAt > now) return hit.principal;
      const [row] = await db
        .select({ apiKeyId: apiKeys.id, operatorId: apiKeys.operatorId, role: apiKeys.role })
        .from(apiKeys)
        .where(and(eq(apiKeys.keyHash, hash), isNull(apiKeys.revokedAt)))
        .limit(1);
      const principal = row ?? null;
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, { principal, expiresAt: now + cacheTtlMs });
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
