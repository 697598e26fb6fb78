import { LRUCache } from 'lru-cache';
import type { Database } from '../db/client.ts';
import type { Principal } from '../keys/authenticate.ts';
import { type ClientMapping, findClientMapping } from './clients.ts';
import type { TokenVerifier, VerifiedClient } from './verify-token.ts';

// A verified token → the principal its client is mapped to (or null: unmapped, refused like a
// bad key). Mappings are cached briefly, as keys are: a busy client costs no query per request,
// and a removed mapping stops working within `cacheTtlMs`.

export type TokenAuthenticator = (token: string) => Promise<Principal | null>;

export function createTokenAuthenticator(
  db: Database,
  verify: TokenVerifier,
  cacheTtlMs = 5000,
): TokenAuthenticator {
  const mappings = new LRUCache<string, ClientMapping | 'unmapped'>({
    max: 10_000,
    ttl: Math.max(cacheTtlMs, 1),
  });
  const mappingOf = async (client: VerifiedClient) => {
    const cacheKey = JSON.stringify([client.iss, client.clientId, client.tenant ?? null]);
    const cached = cacheTtlMs > 0 ? mappings.get(cacheKey) : undefined;
    if (cached) return cached === 'unmapped' ? undefined : cached;
    const found = await findClientMapping(db, client);
    if (cacheTtlMs > 0) mappings.set(cacheKey, found ?? 'unmapped');
    return found;
  };
  return async (token) => {
    const client = await verify(token);
    if (!client) return null;
    const mapping = await mappingOf(client);
    if (!mapping) return null;
    const credential = { apiKeyId: null, client: clientPrincipal(client) };
    if (mapping.role === 'admin') return { ...credential, role: 'admin', operatorId: null };
    return mapping.operatorId
      ? { ...credential, role: 'operator', operatorId: mapping.operatorId }
      : null;
  };
}

/** `client:<issuer-host>/<client-id>`: how logs, job rows and history name the client. */
export function clientPrincipal(client: VerifiedClient): string {
  return `client:${new URL(client.iss).host}/${client.clientId}`;
}
