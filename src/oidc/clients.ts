import { and, asc, eq, inArray, isNull, or, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { oidcClients, operators } from '../db/tables.ts';
import type { VerifiedClient } from './verify-token.ts';

// The client → operator mappings: all their SQL. The CLI adds, lists and removes
// them; the API looks a verified token's client up.

export type ClientRole = 'operator' | 'admin';

export type NewClient = {
  issuer: string;
  clientId: string;
  tenantId: string | null;
} & ({ role: 'operator'; operatorSlug: string } | { role: 'admin' });

export interface ClientSummary {
  id: string;
  operatorSlug: string | null;
  role: ClientRole;
  issuer: string;
  clientId: string;
  tenantId: string | null;
  createdAt: Date;
}

export type AddClientResult =
  | { kind: 'added'; client: ClientSummary }
  | { kind: 'operator-not-found' }
  | { kind: 'already-mapped' };

export async function addClient(db: Database, input: NewClient): Promise<AddClientResult> {
  let operatorId: string | null = null;
  if (input.role === 'operator') {
    const [operator] = await db
      .select({ id: operators.id })
      .from(operators)
      .where(eq(operators.slug, input.operatorSlug));
    if (!operator) return { kind: 'operator-not-found' };
    operatorId = operator.id;
  }
  const [row] = await db
    .insert(oidcClients)
    .values({
      operatorId,
      role: input.role,
      issuer: input.issuer,
      clientId: input.clientId,
      tenantId: input.tenantId,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) return { kind: 'already-mapped' };
  const operatorSlug = input.role === 'operator' ? input.operatorSlug : null;
  return { kind: 'added', client: { ...row, operatorSlug } };
}

const summaryColumns = {
  id: oidcClients.id,
  operatorSlug: operators.slug,
  role: oidcClients.role,
  issuer: oidcClients.issuer,
  clientId: oidcClients.clientId,
  tenantId: oidcClients.tenantId,
  createdAt: oidcClients.createdAt,
};

/** Every mapping, or one operator's (undefined when that operator does not exist), oldest first. */
export async function listClients(
  db: Database,
  operatorSlug?: string,
): Promise<ClientSummary[] | undefined> {
  let filter: SQL | undefined;
  if (operatorSlug !== undefined) {
    const [operator] = await db
      .select({ id: operators.id })
      .from(operators)
      .where(eq(operators.slug, operatorSlug));
    if (!operator) return undefined;
    filter = eq(oidcClients.operatorId, operator.id);
  }
  return db
    .select(summaryColumns)
    .from(oidcClients)
    .leftJoin(operators, eq(operators.id, oidcClients.operatorId))
    .where(filter)
    .orderBy(asc(oidcClients.createdAt), asc(oidcClients.id));
}

/** Deletes the mapping; undefined when there is none with this id. */
export async function removeClient(db: Database, id: string): Promise<ClientSummary | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select(summaryColumns)
      .from(oidcClients)
      .leftJoin(operators, eq(operators.id, oidcClients.operatorId))
      .where(eq(oidcClients.id, id))
      .for('update', { of: oidcClients });
    if (!row) return undefined;
    await tx.delete(oidcClients).where(eq(oidcClients.id, id));
    return row;
  });
}

export interface ClientMapping {
  role: ClientRole;
  operatorId: string | null;
}

/**
 * The mapping of a verified client: stored under the token's `iss` or the configured issuer,
 * for its tenant or for any tenant. A template issuer's mappings always name a tenant (the CLI
 * requires it), so "any tenant" never spans the tenants of a multi-tenant issuer. The most
 * specific mapping (with a tenant) wins.
 */
export async function findClientMapping(
  db: Database,
  client: VerifiedClient,
): Promise<ClientMapping | undefined> {
  const rows = await db
    .select({
      role: oidcClients.role,
      operatorId: oidcClients.operatorId,
      tenantId: oidcClients.tenantId,
    })
    .from(oidcClients)
    .where(
      and(
        inArray(oidcClients.issuer, [...new Set([client.iss, client.issuer])]),
        eq(oidcClients.clientId, client.clientId),
        client.tenant === undefined
          ? isNull(oidcClients.tenantId)
          : or(isNull(oidcClients.tenantId), eq(oidcClients.tenantId, client.tenant)),
      ),
    )
    .limit(4);
  const chosen = rows.find((r) => r.tenantId !== null) ?? rows[0];
  return chosen && { role: chosen.role, operatorId: chosen.operatorId };
}
