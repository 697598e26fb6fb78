import { z } from 'zod';
import { cursorCodec } from '../api/views/cursor.ts';
import { UUID_PATTERN } from '../domain/limits.ts';
import type { EndpointRow } from './endpoints.ts';
import { WEBHOOK_EVENTS, type WebhookEvent } from './events.ts';

/** The deliveries log: the message id of the last entry of a page. */
export const deliveriesCursor = cursorCodec('webhook-deliveries', z.string().regex(UUID_PATTERN));

export function toEndpointView(row: EndpointRow) {
  return {
    id: row.id,
    url: row.url,
    events: row.events.filter((e): e is WebhookEvent =>
      (WEBHOOK_EVENTS as readonly string[]).includes(e),
    ),
    description: row.description,
    enabled: row.enabled,
    disabledReason: disabledReasonOf(row.disabledReason),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const disabledReasonOf = (reason: string | null): 'gone' | 'failing' | null =>
  reason === 'gone' || reason === 'failing' ? reason : null;

export interface DeliveryRow {
  messageId: string;
  type: string;
  jobId: string;
  attempt: number;
  state: string;
  responseStatus: number | null;
  error: string | null;
  at: Date;
  nextAttemptAt: Date | null;
}

export function toDeliveryView(row: DeliveryRow) {
  return {
    ...row,
    type: row.type as WebhookEvent,
    state: row.state as 'pending' | 'succeeded' | 'failed',
    at: row.at.toISOString(),
    nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
  };
}

/** Each event once, in the order of WEBHOOK_EVENTS. */
export const eventSet = (events: readonly WebhookEvent[] | undefined): WebhookEvent[] =>
  WEBHOOK_EVENTS.filter((event) => !events || events.includes(event));
