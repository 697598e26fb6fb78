import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { operators } from '../db/tables.ts';
import { MAX_ENDPOINTS_PER_OPERATOR, PREVIOUS_SECRET_TTL_MS, type WebhookEvent } from './events.ts';
import { newSecret } from './secrets.ts';
import { webhookEndpoints } from './tables.ts';

// The endpoint resource's SQL. Every statement is scoped by the operator: another operator's
// endpoint is indistinguishable from a missing one.

/** What the API shows of an endpoint: never a secret (those only on create and rotate). */
const viewColumns = {
  id: webhookEndpoints.id,
  url: webhookEndpoints.url,
  events: webhookEndpoints.events,
  description: webhookEndpoints.description,
  enabled: webhookEndpoints.enabled,
  disabledReason: webhookEndpoints.disabledReason,
  createdAt: webhookEndpoints.createdAt,
  updatedAt: webhookEndpoints.updatedAt,
};

export type EndpointRow = {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  createdAt: Date;
  updatedAt: Date;
};

/** An endpoint as its operator names it. */
export interface EndpointRef {
  operatorId: string;
  endpointId: string;
}

export class EndpointLimitError extends Error {
  override name = 'EndpointLimitError';
}

/**
 * `updated_at` of a change: now, and always later than before, because the workers cache an
 * endpoint's URL and secrets under it (target-cache.ts) — two changes within one microsecond
 * (or a clock step back) must still give two versions.
 */
const nextVersion = sql`greatest(now(), ${webhookEndpoints.updatedAt} + interval '1 microsecond')`;

const scoped = ({ operatorId, endpointId }: EndpointRef) =>
  and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.operatorId, operatorId));

/**
 * Creates an endpoint with a new secret, unless the operator has its maximum already. The
 * operator row is locked FOR NO KEY UPDATE (which job inserts' key-share locks do not wait
 * for), so two concurrent creates cannot both see nine.
 */
export async function createEndpoint(
  db: Database,
  operatorId: string,
  input: { url: string; events: readonly WebhookEvent[]; description: string | null },
): Promise<EndpointRow & { secret: string }> {
  return db.transaction(async (tx) => {
    await tx
      .select({ id: operators.id })
      .from(operators)
      .where(eq(operators.id, operatorId))
      .for('no key update');
    const [count] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.operatorId, operatorId));
    if ((count?.n ?? 0) >= MAX_ENDPOINTS_PER_OPERATOR) {
      throw new EndpointLimitError(
        `An operator has at most ${MAX_ENDPOINTS_PER_OPERATOR} webhook endpoints`,
      );
    }
    const secret = newSecret();
    const [row] = await tx
      .insert(webhookEndpoints)
      .values({ operatorId, ...input, events: [...input.events], secret })
      .returning(viewColumns);
    if (!row) throw new Error('insert returned nothing');
    return { ...row, secret };
  });
}

export function listEndpoints(db: Database, operatorId: string): Promise<EndpointRow[]> {
  return db
    .select(viewColumns)
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.operatorId, operatorId))
    .orderBy(asc(webhookEndpoints.createdAt), asc(webhookEndpoints.id));
}

export async function getEndpoint(db: Database, endpoint: EndpointRef) {
  const [row] = await db.select(viewColumns).from(webhookEndpoints).where(scoped(endpoint));
  return row;
}

export interface EndpointChanges {
  url?: string;
  events?: WebhookEvent[];
  enabled?: boolean;
  description?: string | null;
}

/**
 * Applies `changes`. Enabling clears the reason and the failure streak (a fresh start: five
 * more days before the service disables it again).
 */
export async function updateEndpoint(
  db: Database,
  endpoint: EndpointRef,
  changes: EndpointChanges,
): Promise<EndpointRow | undefined> {
  const [row] = await db
    .update(webhookEndpoints)
    .set({
      ...changes,
      ...(changes.enabled === true && { disabledReason: null, failingSince: null }),
      updatedAt: nextVersion,
    })
    .where(scoped(endpoint))
    .returning(viewColumns);
  return row;
}

/** Deletes the endpoint and (cascade) its deliveries. False when there was none. */
export async function deleteEndpoint(db: Database, endpoint: EndpointRef) {
  const rows = await db
    .delete(webhookEndpoints)
    .where(scoped(endpoint))
    .returning({ id: webhookEndpoints.id });
  return rows.length > 0;
}

/** A new secret; the current one goes on signing beside it for PREVIOUS_SECRET_TTL_MS. */
export async function rotateSecret(db: Database, endpoint: EndpointRef) {
  const secret = newSecret();
  const [row] = await db
    .update(webhookEndpoints)
    .set({
      previousSecret: sql`${webhookEndpoints.secret}`,
      previousSecretExpiresAt: sql`now() + make_interval(secs => ${PREVIOUS_SECRET_TTL_MS / 1000})`,
      secret,
      updatedAt: nextVersion,
    })
    .where(scoped(endpoint))
    .returning(viewColumns);
  return row && { ...row, secret };
}
