import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NumberStatus } from '../../src/domain/statuses.ts';
import { type Tenant, useApiSuite } from '../support/app.ts';
import { createCustomer, createNumbers, createTenant } from '../support/factories.ts';

// GET /api/v3/oc/numbers/removal-status/summary: counts of the key's operator, optionally of one
// of its customers; anything not the operator's counts as nothing.

const URL = '/api/v3/oc/numbers/removal-status/summary';
// No in-process worker: these routes only read.
const suite = useApiSuite('api-summary', {}, {});
let other: Tenant;
let secondCustomer: { msTenantId: string };

const numbers = (
  owner: { operator: { id: string } },
  customerId: string | null,
  status: NumberStatus,
  count: number,
) => createNumbers(suite.t.db, { operatorId: owner.operator.id, customerId, status, count });

beforeAll(async () => {
  other = await createTenant(suite.t.db);
  const second = await createCustomer(suite.t.db, suite.tenant.operator.id, {
    operatorConnect: false,
  });
  secondCustomer = second;
  await numbers(suite.tenant, suite.tenant.customer.id, 'MarkedForRemoval', 3);
  await numbers(suite.tenant, suite.tenant.customer.id, 'ReadyForRemoval', 2);
  await numbers(suite.tenant, suite.tenant.customer.id, 'Active', 4);
  await numbers(suite.tenant, suite.tenant.customer.id, 'ReleaseRequested', 1);
  await numbers(suite.tenant, second.id, 'MarkedForRemoval', 1);
  await numbers(suite.tenant, null, 'ReadyForRemoval', 1);
  await numbers(other, other.customer.id, 'MarkedForRemoval', 7);
});

const get = (url: string, key = suite.tenant.apiKey.key) =>
  suite.api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });

describe('removal-status summary', () => {
  it("counts the operator's numbers waiting for and confirmed for removal", async () => {
    const res = await get(URL);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      markedForRemovalCount: 4,
      readyForRemovalCount: 3,
      totalCount: 7,
    });
    // The template with an empty msTenantId means no filter.
    expect((await get(`${URL}?msTenantId=`)).json()).toEqual(res.json());
  });

  it('narrows to one customer, whatever the case of its GUID', async () => {
    const one = await get(`${URL}?msTenantId=${suite.tenant.customer.msTenantId.toUpperCase()}`);
    expect(one.json()).toEqual({
      markedForRemovalCount: 3,
      readyForRemovalCount: 2,
      totalCount: 5,
    });
    const second = await get(`${URL}?msTenantId=${secondCustomer.msTenantId}`);
    expect(second.json()).toEqual({
      markedForRemovalCount: 1,
      readyForRemovalCount: 0,
      totalCount: 1,
    });
  });

  it("gives zeros for another operator's customer and for an unknown one", async () => {
    const zeros = { markedForRemovalCount: 0, readyForRemovalCount: 0, totalCount: 0 };
    expect((await get(`${URL}?msTenantId=${other.customer.msTenantId}`)).json()).toEqual(zeros);
    expect((await get(`${URL}?msTenantId=${randomUUID()}`)).json()).toEqual(zeros);
    // The other operator sees only its own numbers.
    expect((await get(URL, other.apiKey.key)).json()).toEqual({
      markedForRemovalCount: 7,
      readyForRemovalCount: 0,
      totalCount: 7,
    });
  });

  it.each(['not-a-guid', '1234', `${randomUUID()}x`, `{${randomUUID()}}`])(
    'refuses the malformed msTenantId %s with INVALID_TENANT_ID',
    async (bad) => {
      const res = await get(`${URL}?msTenantId=${encodeURIComponent(bad)}`);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({
        status: 400,
        errorCode: 'INVALID_TENANT_ID',
        title: 'Invalid msTenantId',
        detail: 'msTenantId has not a Guid format',
        instance: URL,
      });
    },
  );

  it('refuses a repeated msTenantId, unknown parameters and missing keys', async () => {
    const id = suite.tenant.customer.msTenantId;
    const repeated = await get(`${URL}?msTenantId=${id}&msTenantId=${id}`);
    expect(repeated.json()).toMatchObject({ status: 400, errorCode: 'INVALID_TENANT_ID' });
    const unknown = await get(`${URL}?tenant=${id}`);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ errorCode: 'INVALID_REQUEST' });
    const anonymous = await suite.api.app.inject({ method: 'GET', url: URL });
    expect(anonymous.statusCode).toBe(401);
  });
});
