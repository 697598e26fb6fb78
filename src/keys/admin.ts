import { and, asc, eq, isNull, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { apiKeys, operators } from '../db/tables.ts';
import type { ApiKeyRole } from './create.ts';

/** What may be shown about a key: never its hash. */
export interface ApiKeySummary {
  prefix: string;
  role: ApiKeyRole;
  createdAt: Date;
  revokedAt: Date | null;
}

/** The operator's keys, oldest first; undefined when the operator does not exist. */
export async function listApiKeys(
  db: Database,
  operatorSlug: string,
): Promise<ApiKeySummary[] | undefined> {
  const [operator] = await db
    .select({ id: operators.id })
    .from(operators)
    .where(eq(operators.slug, operatorSlug));
  if (!operator) return undefined;
  return listKeysWhere(db, eq(apiKeys.operatorId, operator.id));
}

/** The platform admin keys (they belong to no operator), oldest first. */
export async function listAdminKeys(db: Database): Promise<ApiKeySummary[]> {
  return listKeysWhere(db, isNull(apiKeys.operatorId));
}

/** The keys `filter` selects, oldest first (the prefix breaks ties so the order is stable). */
function listKeysWhere(db: Database, filter: SQL): Promise<ApiKeySummary[]> {
  return db
    .select({
      prefix: apiKeys.prefix,
      role: apiKeys.role,
      createdAt: apiKeys.createdAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(filter)
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.prefix));
}

export type RevokeResult =
  | { kind: 'revoked'; operatorSlug: string | null; revokedAt: Date }
  | { kind: 'already-revoked'; operatorSlug: string | null; revokedAt: Date }
  | { kind: 'not-found' }
  /** Prefixes are 48 random bits, so this is rare; refusing beats revoking the wrong key. */
  | { kind: 'ambiguous'; count: number };

/** Revokes the key with this prefix. Revoking twice is harmless. */
export async function revokeApiKey(db: Database, prefix: string): Promise<RevokeResult> {
  return db.transaction(async (tx) => {
    const matches = await tx
      .select({ id: apiKeys.id, revokedAt: apiKeys.revokedAt, operatorSlug: operators.slug })
      .from(apiKeys)
      // Admin keys belong to no operator.
      .leftJoin(operators, eq(operators.id, apiKeys.operatorId))
      .where(eq(apiKeys.prefix, prefix))
      .for('update', { of: apiKeys });
    const [match] = matches;
    if (!match) return { kind: 'not-found' };
    if (matches.length > 1) return { kind: 'ambiguous', count: matches.length };
    if (match.revokedAt) {
      return {
        kind: 'already-revoked',
        operatorSlug: match.operatorSlug,
        revokedAt: match.revokedAt,
      };
    }
    const [revoked] = await tx
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.id, match.id), isNull(apiKeys.revokedAt)))
      .returning({ revokedAt: apiKeys.revokedAt });
    return {
      kind: 'revoked',
      operatorSlug: match.operatorSlug,
      revokedAt: revoked?.revokedAt ?? new Date(),
    };
  });
}
