import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { EndpointRef } from './endpoints.ts';
import { webhookDeliveries, webhookEndpoints, webhookMessages } from './tables.ts';

// An endpoint's deliveries log, newest first: one entry per message, showing its last attempt.

export interface DeliveryLogOptions {
  limit: number;
  /** Keyset: the message id of the last entry of the previous page. */
  afterMessageId?: string;
}

export async function listDeliveries(
  db: Database,
  endpoint: EndpointRef,
  options: DeliveryLogOptions,
) {
  const { operatorId, endpointId } = endpoint;
  const conditions = [
    eq(webhookDeliveries.endpointId, endpointId),
    // The endpoint must be the operator's: a foreign one lists nothing (the route says 404).
    sql`exists (select 1 from ${webhookEndpoints} e where e.id = ${endpointId} and e.operator_id = ${operatorId})`,
  ];
  if (options.afterMessageId) {
    conditions.push(
      sql`(${webhookDeliveries.createdAt}, ${webhookDeliveries.messageId}) < (select c.created_at, c.message_id from ${webhookDeliveries} c where c.endpoint_id = ${endpointId} and c.message_id = ${options.afterMessageId})`,
    );
  }
  const rows = await db
    .select({
      messageId: webhookDeliveries.messageId,
      type: webhookMessages.type,
      jobId: webhookMessages.jobId,
      attempt: webhookDeliveries.attempts,
      state: webhookDeliveries.state,
      responseStatus: webhookDeliveries.responseStatus,
      error: webhookDeliveries.error,
      at: sql<Date>`coalesce(${webhookDeliveries.lastAttemptAt}, ${webhookDeliveries.createdAt})`.mapWith(
        (value: string) => new Date(value),
      ),
      nextAttemptAt: webhookDeliveries.nextAttemptAt,
    })
    .from(webhookDeliveries)
    .innerJoin(webhookMessages, eq(webhookMessages.id, webhookDeliveries.messageId))
    .where(and(...conditions))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.messageId))
    .limit(options.limit + 1);
  return { rows: rows.slice(0, options.limit), hasMore: rows.length > options.limit };
}
