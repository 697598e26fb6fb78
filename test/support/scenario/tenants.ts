import type { Database } from '../../../src/db/client.ts';
import { createApiKey, createNumbers, createTenant } from '../factories.ts';

/** An operator with a key and `count` MarkedForRemoval numbers of an Operator Connect customer. */
export async function tenantWithNumbers(db: Database, count: number) {
  const tenant = await createTenant(db);
  const numbers = await createNumbers(db, {
    operatorId: tenant.operator.id,
    customerId: tenant.customer.id,
    status: 'MarkedForRemoval',
    count,
  });
  return { ...tenant, key: tenant.apiKey.key, numbers };
}

export async function adminKey(db: Database, operatorId: string) {
  return (await createApiKey(db, operatorId, { role: 'admin' })).key;
}

export const ENDPOINT = '/api/v3/oc/numbers/action/ready-for-removal';
export { JOBS } from '../job-routes.ts';
export const ASYNC = { prefer: 'respond-async' } as const;
