import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt } from './columns.ts';
import { apiKeyRole, numberStatus } from './enums.ts';

// The enums, the jobs with their ledger and keys (job-tables.ts) and the tables that requests
// never write (derived-tables.ts) are in files of their own; this module exports every table,
// as Drizzle and drizzle-kit read it.
export * from './derived-tables.ts';
export * from './enums.ts';
export * from './job-tables.ts';

/** A tenant of the service. Nothing of one operator is visible to another. */
export const operators = pgTable('operators', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  createdAt: createdAt(),
});

/**
 * The operator a row belongs to: required, and one that exists. A function declaration, so
 * job-tables.ts (re-exported from here, importing this back) can call it while this loads.
 */
export function ownerOperatorId() {
  return uuid('operator_id')
    .notNull()
    .references(() => operators.id);
}

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
    operatorId: ownerOperatorId(),
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
    // Collation "C" (migrations 0012, 0013; Drizzle cannot declare it): numbers compare as
    // bytes, docs/architecture.md "Numbers compare as bytes".
    e164: text('e164').notNull().unique(),
    // Its operator (operators.id) and customer ((customers.id, customers.operator_id): a number's
    // customer is always its operator's) are checked by triggers, once per statement, instead of
    // foreign keys (drizzle/0010_number_references_by_statement.sql, docs/architecture.md
    // "Integrity"): an import inserts millions of numbers, and the foreign keys' check per row
    // was half of its time.
    operatorId: uuid('operator_id').notNull(),
    customerId: uuid('customer_id'),
    status: numberStatus('status').notNull(),
    assignable: boolean('assignable').notNull().default(true),
    confirmedForRemovalAt: timestamp('confirmed_for_removal_at', { withTimezone: true }),
    /**
     * The status an import created the number with: its first history entry (from nothing to
     * this, by `import`, at createdAt), read from here by numbers/status-changes.ts instead of
     * stored as a number_status_history row, which cost a first load 5M more rows. Null for
     * numbers created before migration 0011, whose first entry is such a row.
     */
    importedStatus: numberStatus('imported_status'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The number list is sorted by E.164 (docs/api.md): each filter it takes (operator; operator
    // and status; customer) has an index that yields its rows already in that order, so a page
    // stops after PageSize rows and the CSV export never sorts.
    index('telephone_numbers_customer_idx').on(t.customerId, t.e164),
    index('telephone_numbers_operator_status_idx').on(t.operatorId, t.status, t.e164),
    index('telephone_numbers_operator_e164_idx').on(t.operatorId, t.e164),
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
    // A number (telephone_numbers.id), checked by a trigger once per statement (0010), not a
    // foreign key.
    numberId: bigint('number_id', { mode: 'number' }).notNull(),
    fromStatus: numberStatus('from_status'),
    toStatus: numberStatus('to_status').notNull(),
    /** Who made the change: `import`, … (a job's changes carry its key or client). */
    actor: text('actor').notNull(),
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('number_status_history_number_idx').on(t.numberId, t.changedAt)],
);
