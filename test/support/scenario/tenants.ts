import { expect } from 'vitest';
import type { Database } from '../../../src/db/client.ts';
import { createApiKey, createNumbers, createTenant } from '../factories.ts';
import type { Client } from './http.ts';

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

/** A webhook endpoint of the operator of `key`, disabled (nothing is ever sent to it). */
export async function disabledWebhookEndpoint(client: Client, key: string): Promise<string> {
  const created = await client.request('POST', '/api/v3/oc/webhooks', {
    key,
    body: { url: 'https://93.184.216.34/hooks/oc', description: 'isolation probe' },
  });
  expect(created.status).toBe(201);
  const { id } = created.json as { id: string };
  const disabled = await client.request('PATCH', `/api/v3/oc/webhooks/${id}`, {
    key,
    body: { enabled: false },
  });
  expect(disabled.status).toBe(200);
  return id;
}
