import { sql } from 'drizzle-orm';
import {
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import type { OperationName } from '../domain/operations.ts';
import { createdAt } from './columns.ts';
import { itemOutcome, jobState, numberStatus } from './enums.ts';
// References only (read when the schema is built, after both modules have loaded).
import { apiKeys, ownerOperatorId } from './tables.ts';

// A job and what it leaves behind: its ledger (job_items) and its Idempotency-Key records.

export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey(),
    operatorId: ownerOperatorId(),
    apiKeyId: uuid('api_key_id').references(() => apiKeys.id),
    /**
     * `client:<issuer-host>/<client-id>` for a job an OpenID Connect client created (no
     * reference: removing the client's mapping keeps the record of who acted).
     */
    clientPrincipal: text('client_principal'),
    operation: text('operation').$type<OperationName>().notNull().default('ready-for-removal'),
    state: jobState('state').notNull().default('queued'),
    telephoneNumbers: text('telephone_numbers').array().notNull(),
    requestedCount: integer('requested_count').notNull(),
    processedCount: integer('processed_count').notNull().default(0),
    successCount: integer('success_count').notNull().default(0),
    traceId: text('trace_id'),
    /**
     * With tracing on, the span that wrote the row (the request's handler): a job the recovery
     * sweep adds again links to it (src/telemetry/requeue-span.ts).
     */
    traceSpanId: text('trace_span_id'),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    cancelRequestedAt: timestamp('cancel_requested_at', { withTimezone: true }),
    result: jsonb('result'),
    error: text('error'),
  },
  (t) => [
    index('jobs_operator_created_idx').on(t.operatorId, t.createdAt.desc(), t.id.desc()),
    index('jobs_operator_state_created_idx').on(
      t.operatorId,
      t.state,
      t.createdAt.desc(),
      t.id.desc(),
    ),
    // Recovery sweeps look for jobs that have not ended.
    index('jobs_unfinished_idx').on(t.createdAt).where(sql`${t.state} in ('queued', 'active')`),
    // Retention (jobs/retention.ts) takes the ended jobs older than a cut-off, a small batch
    // at a time: without this each batch would read the whole table, years of jobs.
    index('jobs_ended_finished_idx')
      .on(t.finishedAt)
      .where(sql`${t.state} in ('completed', 'cancelled', 'failed')`)
      .concurrently(),
  ],
);

/**
 * The ledger: one row per (job, position). The primary key is what makes a number's effect
 * exactly-once when a job is delivered more than once. It is append-only, and its references
 * to `jobs` and `telephone_numbers` are checked by triggers rather than foreign keys
 * (drizzle/0003_ledger_is_the_job_history.sql, docs/architecture.md "Integrity"): a foreign key checks and share-locks the
 * referenced row once per ledger row, and here that row is nearly always one the same
 * transaction already holds, so the triggers check a chunk's rows in one set-based pass and
 * lock only what the transaction does not hold yet. Deleting a job or number that a ledger row
 * names is refused, as a foreign key would.
 */
export const jobItems = pgTable(
  'job_items',
  {
    jobId: uuid('job_id').notNull(),
    position: integer('position').notNull(),
    telephoneNumber: text('telephone_number').notNull(),
    numberId: bigint('number_id', { mode: 'number' }),
    outcome: itemOutcome('outcome').notNull(),
    currentStatus: numberStatus('current_status'),
    processedAt: timestamp('processed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'job_items_pk', columns: [t.jobId, t.position] }),
    // A SUCCEEDED row is the number's status change (numbers/status-changes.ts): a number's
    // history looks its changes up here, and the delete guard on telephone_numbers its
    // references. A job's own reads (its failures, its items by outcome) scan its at most 500
    // rows through the primary key, so they need no index of their own.
    index('job_items_number_idx').on(t.numberId),
  ],
);

/** Idempotency-Key records (IETF draft-07), scoped to the operator. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    operatorId: ownerOperatorId(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    jobId: uuid('job_id')
      .notNull()
      .references(() => jobs.id),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: 'idempotency_keys_pk', columns: [t.operatorId, t.key] }),
    // Deleting a job looks its keys up by job: removeUntouchedJob (jobs/create.ts) deletes them,
    // and the foreign key's check on every jobs delete (retention) would otherwise scan the
    // whole table once per job.
    index('idempotency_keys_job_idx').on(t.jobId).concurrently(),
    // The expiry purge (jobs/retention.ts) deletes the oldest keys 1,000 at a time: without
    // this each statement would read the whole table, a day's keys and more.
    index('idempotency_keys_created_idx').on(t.createdAt).concurrently(),
  ],
);
