import { randomUUID } from 'node:crypto';
import type { Database } from '../../src/db/client.ts';
import { apiKeys, customers, operators, telephoneNumbers } from '../../src/db/tables.ts';
import type { OperationName } from '../../src/domain/operations.ts';
import type { JobState, NumberStatus } from '../../src/domain/statuses.ts';
import { generateApiKey } from '../../src/keys/api-key.ts';
import { insertJob } from './worker-jobs.ts';

// Builders for the inventory in any state. Numbers are +1206 followed by 7 digits from a
// per-process counter, so they are unique within a test database and pass the E.164 rules.
let nextNumber = Math.floor(Math.random() * 1_000_000);

export function uniqueE164(): string {
  nextNumber = (nextNumber + 1) % 10_000_000;
  return `+1206${String(nextNumber).padStart(7, '0')}`;
}

export async function createOperator(db: Database, slug = `op-${randomUUID().slice(0, 8)}`) {
  const [row] = await db.insert(operators).values({ slug }).returning();
  if (!row) throw new Error('operator not created');
  return row;
}

export async function createApiKey(
  db: Database,
  operatorId: string,
  options: { role?: 'operator' | 'admin'; revoked?: boolean } = {},
) {
  const generated = generateApiKey();
  const [row] = await db
    .insert(apiKeys)
    .values({
      // Admin keys are a platform role and belong to no operator (`operatorId` is ignored).
      operatorId: options.role === 'admin' ? null : operatorId,
      prefix: generated.prefix,
      keyHash: generated.hash,
      role: options.role ?? 'operator',
      revokedAt: options.revoked ? new Date() : null,
    })
    .returning();
  if (!row) throw new Error('api key not created');
  return { ...row, key: generated.key };
}

export async function createCustomer(
  db: Database,
  operatorId: string,
  options: { operatorConnect?: boolean } = {},
) {
  const [row] = await db
    .insert(customers)
    .values({
      operatorId,
      msTenantId: randomUUID(),
      operatorConnect: options.operatorConnect ?? true,
    })
    .returning();
  if (!row) throw new Error('customer not created');
  return row;
}

export interface NumbersSpec {
  operatorId: string;
  /** null: a number with no customer. */
  customerId: string | null;
  status: NumberStatus;
  count?: number;
  e164s?: string[];
}

/** Inserts numbers and returns their E.164 strings in insertion order. */
export async function createNumbers(db: Database, spec: NumbersSpec): Promise<string[]> {
  const e164s = spec.e164s ?? Array.from({ length: spec.count ?? 1 }, uniqueE164);
  const chunk = 5000;
  for (let i = 0; i < e164s.length; i += chunk) {
    await db.insert(telephoneNumbers).values(
      e164s.slice(i, i + chunk).map((e164) => ({
        e164,
        operatorId: spec.operatorId,
        customerId: spec.customerId,
        status: spec.status,
      })),
    );
  }
  return e164s;
}

/** The id of the number `e164` (text, as postgres.js returns a bigint); fails if there is none. */
export async function numberIdOf(db: Database, e164: string): Promise<string> {
  const [row] = await db.$client<
    { id: string }[]
  >`select id from telephone_numbers where e164 = ${e164}`;
  if (!row) throw new Error(`no number ${e164}`);
  return row.id;
}

/** An operator with one Operator Connect customer and a key: the usual starting point. */
export async function createTenant(db: Database) {
  const operator = await createOperator(db);
  const customer = await createCustomer(db, operator.id);
  const apiKey = await createApiKey(db, operator.id);
  return { operator, customer, apiKey };
}

/** `count` numbers of the tenant's Operator Connect customer, ready to be confirmed. */
export function createMarkedNumbers(
  db: Database,
  tenant: { operator: { id: string }; customer: { id: string } },
  count: number,
): Promise<string[]> {
  return createNumbers(db, {
    operatorId: tenant.operator.id,
    customerId: tenant.customer.id,
    status: 'MarkedForRemoval',
    count,
  });
}

/**
 * A queued job over `count` fresh MarkedForRemoval numbers of the tenant (the setup most job
 * tests start from), inserted the way the API inserts it.
 */
export async function createMarkedJob(
  db: Database,
  tenant: { operator: { id: string }; customer: { id: string } },
  count: number,
  options: { state?: JobState; operation?: OperationName } = {},
) {
  const numbers = await createMarkedNumbers(db, tenant, count);
  const job = await insertJob(db, { operatorId: tenant.operator.id, numbers, ...options });
  return { job, numbers };
}
