import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { OperationName } from '../domain/operations.ts';
import { apiKeyRole, itemOutcome, jobState, numberStatus } from './enums.ts';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

// The enums and the tables that requests never write (derived-tables.ts) are in files of their
// own; this module exports every table, as Drizzle and drizzle-kit read it.
export * from './derived-tables.ts';
export * from './enums.ts';

/** A tenant of the service. Nothing of one operator is visible to another. */
export const operators = pgTable('operators', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  createdAt: createdAt(),
});

/**
 * Only a SHA-256 of each key is stored; `prefix` lets people tell keys apart. An operator key
 * belongs to its operator; an admin key is a platform role that belongs to no operator (it sees
 * the whole queue and may not call the operator API).
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    operatorId: uuid('operator_id').references(() => operators.id),
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull().unique(),
    role: apiKeyRole('role').notNull().default('operator'),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    index('api_keys_operator_idx').on(t.operatorId),
    check('api_keys_admin_has_no_operator', sql`(${t.role} = 'admin') = (${t.operatorId} is null)`),
  ],
);

/**
 * OpenID Connect clients: a token's client (`azp`, else `appid`, else `sub`) of an
 * issuer, optionally of one tenant (`tid`), acts for its operator, or as the platform admin
 * role like an admin key. `issuer` is the token's `iss` or the configured issuer (a
 * `{tenantid}` template, which then needs a tenant). Tokens themselves are never stored.
 */
export const oidcClients = pgTable(
  'oidc_clients',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    operatorId: uuid('operator_id').references(() => operators.id),
    role: apiKeyRole('role').notNull().default('operator'),
    issuer: text('issuer').notNull(),
    clientId: text('client_id').notNull(),
    tenantId: text('tenant_id'),
    createdAt: createdAt(),
  },
  (t) => [
    index('oidc_clients_operator_idx').on(t.operatorId),
    // One mapping per (issuer, client, tenant); "no tenant" counts as one value.
    uniqueIndex('oidc_clients_client_uq').on(
      t.issuer,
      t.clientId,
      sql`coalesce(${t.tenantId}, '')`,
    ),
    check(
      'oidc_clients_admin_has_no_operator',
      sql`(${t.role} = 'admin') = (${t.operatorId} is null)`,
    ),
  ],
);

export const customers = pgTable(
  'customers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    operatorId: uuid('operator_id')
      .notNull()
      .references(() => operators.id),
    msTenantId: uuid('ms_tenant_id').notNull(),
    operatorConnect: boolean('operator_connect').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [
    unique('customers_operator_tenant_uq').on(t.operatorId, t.msTenantId),
    // Target of the numbers' composite key: a number's customer is always its operator's.
    unique('customers_id_operator_uq').on(t.id, t.operatorId),
  ],
);

export const telephoneNumbers = pgTable(
  'telephone_numbers',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    e164: text('e164').notNull().unique(),
    operatorId: uuid('operator_id')
      .notNull()
      .references(() => operators.id),
    customerId: uuid('customer_id'),
    status: numberStatus('status').notNull(),
    assignable: boolean('assignable').notNull().default(true),
    confirmedForRemovalAt: timestamp('confirmed_for_removal_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    foreignKey({
      name: 'telephone_numbers_customer_fk',
      columns: [t.customerId, t.operatorId],
      foreignColumns: [customers.id, customers.operatorId],
    }),
    // The number list is sorted by E.164 (docs/api.md): each filter it takes (operator; operator
    // and status; customer) has an index that yields its rows already in that order, so a page
    // stops after PageSize rows and the CSV export never sorts.
    index('telephone_numbers_customer_idx').on(t.customerId, t.e164),
    index('telephone_numbers_operator_status_idx').on(t.operatorId, t.status, t.e164),
    index('telephone_numbers_operator_e164_idx').on(t.operatorId, t.e164),
  ],
);

export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey(),
    operatorId: uuid('operator_id')
      .notNull()
      .references(() => operators.id),
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

/**
 * Status changes made outside jobs (inventory imports). A job's changes are its SUCCEEDED
 * ledger rows; numbers/status-changes.ts reads both as one history.
 */
export const numberStatusHistory = pgTable(
  'number_status_history',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    numberId: bigint('number_id', { mode: 'number' })
      .notNull()
      .references(() => telephoneNumbers.id),
    fromStatus: numberStatus('from_status'),
    toStatus: numberStatus('to_status').notNull(),
    /** Who made the change: `import`, … (a job's changes carry its key or client). */
    actor: text('actor').notNull(),
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('number_status_history_number_idx').on(t.numberId, t.changedAt)],
);

/** Idempotency-Key records (IETF draft-07), scoped to the operator. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    operatorId: uuid('operator_id')
      .notNull()
      .references(() => operators.id),
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
