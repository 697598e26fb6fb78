import { and, eq, isNull } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import type { Database } from '../db/client.ts';
import { apiKeys } from '../db/tables.ts';
import { hashApiKey, looksLikeApiKey } from './api-key.ts';

/**
 * Who is calling: an API key, or an OpenID Connect client (src/oidc/), never
 * both. `client` is the client's principal, `client:<issuer-host>/<client-id>`.
 */
type Credential = { apiKeyId: string; client: null } | { apiKeyId: null; client: string };

/** An operator's key or client: it acts for that operator only. */
export type OperatorPrincipal = Credential & { role: 'operator'; operatorId: string };

/** A platform admin key or client: it belongs to no operator (Bull Board, /metrics; not the operator API). */
export type AdminPrincipal = Credential & { role: 'admin'; operatorId: null };

export type Principal = OperatorPrincipal | AdminPrincipal;

function toPrincipal(row: {
  apiKeyId: string;
  operatorId: string | null;
  role: 'operator' | 'admin';
}): Principal | null {
  const key = { apiKeyId: row.apiKeyId, client: null };
  if (row.role === 'admin') return { ...key, role: 'admin', operatorId: null };
  // The schema's check constraint rules out an operator key without an operator.
  return row.operatorId ? { ...key, role: 'operator', operatorId: row.operatorId } : null;
}

export interface KeyAuthenticator {
  /**
   * The principal of an active key, or null for a missing, unknown or revoked one. `suspect`:
   * the caller's failure budget is spent, so a lookup the caches cannot answer waits for the
   * process's one suspect lane (a flood of random keys costs one query at a time).
   */
  authenticate(key: string | undefined, options?: { suspect?: boolean }): Promise<Principal | null>;
  /**
   * Whether the key with this id is still active: for a session opened with it (the operator
   * console), so that revoking a key ends its sessions within `cacheTtlMs` too.
   */
  isActive(apiKeyId: string): Promise<boolean>;
}

/**
 * Looks keys up by their hash, with short caches so a busy client costs no query per request;
 * a revoked key stops working within `cacheTtlMs` (0: no caches).
 *
 * Two bounded LRUs: keys that exist, and hashes that matched no active key. A flood of random
 * keys only ever enters the second, so it cannot push the keys in use out; a client repeating
 * one bad key costs one query per `cacheTtlMs`. A key is shown only once it exists, so no valid
 * key can be in the second cache.
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
  const unknown =
    cacheTtlMs > 0
      ? new LRUCache<string, true>({ max: maxCachedKeys, ttl: cacheTtlMs })
      : undefined;
  const active =
    cacheTtlMs > 0
      ? new LRUCache<string, boolean>({ max: maxCachedKeys, ttl: cacheTtlMs })
      : undefined;
  const suspectLane = createLane(1);
  const lookup = async (hash: string) => {
    const [row] = await db
      .select({ apiKeyId: apiKeys.id, operatorId: apiKeys.operatorId, role: apiKeys.role })
      .from(apiKeys)
      .where(and(eq(apiKeys.keyHash, hash), isNull(apiKeys.revokedAt)))
      .limit(1);
    return row ? toPrincipal(row) : null;
  };
  return {
    async authenticate(key, options = {}) {
      if (!key || !looksLikeApiKey(key)) return null;
      const hash = hashApiKey(key);
      const cached = cache?.get(hash);
      if (cached) return cached;
      if (unknown?.has(hash)) return null;
      const principal = options.suspect
        ? await suspectLane(() => lookup(hash))
        : await lookup(hash);
      if (principal) cache?.set(hash, principal);
      else unknown?.set(hash, true);
      return principal;
    },
    async isActive(apiKeyId) {
      const cached = active?.get(apiKeyId);
      if (cached !== undefined) return cached;
      const [row] = await db
        .select({ id: apiKeys.id })
        .from(apiKeys)
        .where(and(eq(apiKeys.id, apiKeyId), isNull(apiKeys.revokedAt)))
        .limit(1);
      active?.set(apiKeyId, row !== undefined);
      return row !== undefined;
    },
  };
}

/** Runs at most `width` of the given tasks at a time; the others wait their turn, in order. */
function createLane(width: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running < width) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      // The place goes straight to the next in line, or is freed.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/** How logs name a principal: `api-key:<id>` or `client:<issuer-host>/<client-id>`. */
export function principalName(principal: Principal): string {
  return principal.client ?? `api-key:${principal.apiKeyId}`;
}

/** The key of an `Authorization: Bearer <key>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
