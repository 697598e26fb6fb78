import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt } from '../db/columns.ts';
import { ownerOperatorId } from '../db/tables.ts';

// The webhook tables (docs/api.md "Webhooks"). A job's ending transaction writes its
// message and one delivery row per subscribed endpoint (the outbox: a trigger on `jobs`,
// drizzle/0006_webhooks.sql); the delivery row is then the truth about that message for that
// endpoint — its schedule, its last attempt and its state — and BullMQ only carries attempts.

/** An operator's registered endpoint. `secret` signs; `previousSecret` too until it expires. */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    operatorId: ownerOperatorId(),
    url: text('url').notNull(),
    events: text('events').array().notNull(),
    description: text('description'),
    enabled: boolean('enabled').notNull().default(true),
    /** Why the service disabled it: `gone` (410) or `failing` (5 days); null when enabled by hand. */
    disabledReason: text('disabled_reason'),
    secret: text('secret').notNull(),
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true }),
    /** The first failed attempt since the last success: five days of it disable the endpoint. */
    failingSince: timestamp('failing_since', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('webhook_endpoints_operator_idx').on(t.operatorId, t.createdAt)],
);

/** One message per ended job and event, when some endpoint of its operator wanted it. */
export const webhookMessages = pgTable(
  'webhook_messages',
  {
    /** The `webhook-id` header: the same on every attempt and for every endpoint. */
    id: uuid('id').primaryKey().defaultRandom(),
    operatorId: uuid('operator_id').notNull(),
    jobId: uuid('job_id').notNull(),
    type: text('type').notNull(),
    /** The body's `data` (counts and times, never a telephone number). */
    data: jsonb('data').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('webhook_messages_job_idx').on(t.jobId)],
);

/** A message for one endpoint: the outbox row, its schedule and its delivery log entry. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    messageId: uuid('message_id')
      .notNull()
      .references(() => webhookMessages.id, { onDelete: 'cascade' }),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    /** pending | succeeded | failed */
    state: text('state').notNull().default('pending'),
    /** Attempts made so far; the next one is number `attempts + 1`. */
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    /** When the next attempt was handed to BullMQ; null = the relay has yet to hand it over. */
    relayedAt: timestamp('relayed_at', { withTimezone: true }),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    responseStatus: integer('response_status'),
    error: text('error'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: 'webhook_deliveries_pk', columns: [t.messageId, t.endpointId] }),
    check('webhook_deliveries_state', sql`${t.state} in ('pending', 'succeeded', 'failed')`),
    // The deliveries log of an endpoint, newest first.
    index('webhook_deliveries_endpoint_idx').on(
      t.endpointId,
      t.createdAt.desc(),
      t.messageId.desc(),
    ),
    // The relay's work: attempts not yet handed to BullMQ.
    index('webhook_deliveries_unrelayed_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.state} = 'pending' and ${t.relayedAt} is null`),
    // The oldest pending message (a metric) and the sweep of attempts BullMQ lost.
    index('webhook_deliveries_pending_idx').on(t.createdAt).where(sql`${t.state} = 'pending'`),
  ],
);
