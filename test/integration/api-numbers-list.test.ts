import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Tenant, useApiSuite } from '../support/app.ts';
import { createCustomer, createNumbers, createTenant } from '../support/factories.ts';

// GET /api/v3/oc/numbers: the operator's numbers sorted by E.164 in the original API's page
// envelope, filtered by customer and status. CSV export: api-numbers-csv.test.ts.

const URL = '/api/v3/oc/numbers';
// No in-process worker: these routes only read.
const suite = useApiSuite('api-list', {}, {});
let other: Tenant;
let secondTenantId: string;
// E.164s chosen so that their sort order differs from their insertion order.
const marked = ['+14255550003', '+14255550001', '+14255550005'];
const active = ['+14255550004', '+14255550002'];
const noCustomer = ['+14255550006'];
const secondCustomer = ['+14255550000'];
const all = [...marked, ...active, ...noCustomer, ...secondCustomer].sort();

beforeAll(async () => {
  other = await createTenant(suite.t.db);
  const op = suite.tenant.operator.id;
  const second = await createCustomer(suite.t.db, op, { operatorConnect: false });
  secondTenantId = second.msTenantId;
  const customerId = suite.tenant.customer.id;
  await createNumbers(suite.t.db, {
    operatorId: op,
    customerId,
    status: 'MarkedForRemoval',
    e164s: marked,
  });
  await createNumbers(suite.t.db, { operatorId: op, customerId, status: 'Active', e164s: active });
  await createNumbers(suite.t.db, {
    operatorId: op,
    customerId: null,
    status: 'ReadyForRemoval',
    e164s: noCustomer,
  });
  await createNumbers(suite.t.db, {
    operatorId: op,
    customerId: second.id,
    status: 'ReleaseRequested',
    e164s: secondCustomer,
  });
  await createNumbers(suite.t.db, {
    operatorId: other.operator.id,
    customerId: other.customer.id,
    status: 'MarkedForRemoval',
    count: 3,
  });
});

const get = (query: string, key = suite.tenant.apiKey.key) =>
  suite.api.app.inject({
    method: 'GET',
    url: `${URL}${query}`,
    headers: { authorization: `Bearer ${key}` },
  });
const numbersOf = (body: { data: { telephoneNumber: string }[] }) =>
  body.data.map((n) => n.telephoneNumber);

describe('number list', () => {
  it('answers the first page of 200 sorted by telephone number, each number in full', async () => {
    const res = await get('');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ currentPage: 1, pageSize: 200, totalPages: 1, totalRecords: 7 });
    expect(numbersOf(body)).toEqual(all);
    const byNumber = new Map(
      body.data.map((n: { telephoneNumber: string }) => [n.telephoneNumber, n]),
    );
    expect(byNumber.get('+14255550001')).toEqual({
      telephoneNumber: '+14255550001',
      acquiredNumberStatus: 2,
      acquiredNumberStatusName: 'MarkedForRemoval',
      msTenantId: suite.tenant.customer.msTenantId,
      operatorConnect: true,
      assignable: true,
      confirmedForRemovalAt: null,
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
    expect(byNumber.get('+14255550006')).toMatchObject({
      acquiredNumberStatus: 3,
      msTenantId: null,
      operatorConnect: false,
    });
    expect(byNumber.get('+14255550000')).toMatchObject({
      acquiredNumberStatusName: 'ReleaseRequested',
      msTenantId: secondTenantId,
      operatorConnect: false,
    });
  });

  it('pages: every number exactly once in order, an empty page past the end', async () => {
    const seen: string[] = [];
    for (let page = 1; page <= 4; page++) {
      const body = (await get(`?PageNumber=${page}&PageSize=2`)).json();
      expect(body).toMatchObject({
        currentPage: page,
        pageSize: 2,
        totalPages: 4,
        totalRecords: 7,
      });
      expect(body.data.length).toBe(page < 4 ? 2 : 1);
      seen.push(...numbersOf(body));
    }
    expect(seen).toEqual(all);
    const past = (await get('?PageNumber=5&PageSize=2')).json();
    expect(past).toEqual({
      currentPage: 5,
      pageSize: 2,
      totalPages: 4,
      totalRecords: 7,
      data: [],
      nextCursor: null,
    });
    const farthest = (await get('?PageNumber=2000000&PageSize=1000')).json();
    expect(farthest).toMatchObject({ currentPage: 2_000_000, totalRecords: 7, data: [] });
    const maxPage = (await get('?PageSize=1000')).json();
    expect(maxPage).toMatchObject({ pageSize: 1000, totalPages: 1, totalRecords: 7 });
  });

  it.each(['MarkedForRemoval', 'Marked%20For%20Removal', 'Marked+For+Removal', '2'])(
    'filters by status written as %s',
    async (status) => {
      const body = (await get(`?acquiredNumberStatus=${status}`)).json();
      expect(body).toMatchObject({ totalRecords: 3, totalPages: 1 });
      expect(numbersOf(body)).toEqual([...marked].sort());
    },
  );

  it('filters by customer, by customer and status, and the template with empty values', async () => {
    const customer = (await get(`?msTenantId=${suite.tenant.customer.msTenantId}`)).json();
    expect(numbersOf(customer)).toEqual([...marked, ...active].sort());
    const both = (
      await get(`?msTenantId=${suite.tenant.customer.msTenantId}&acquiredNumberStatus=0`)
    ).json();
    expect(numbersOf(both)).toEqual([...active].sort());
    const none = (await get(`?msTenantId=${secondTenantId}&acquiredNumberStatus=Active`)).json();
    expect(none).toEqual({
      currentPage: 1,
      pageSize: 200,
      totalPages: 0,
      totalRecords: 0,
      data: [],
      nextCursor: null,
    });
    const template = (
      await get('?msTenantId=&acquiredNumberStatus=&PageNumber=1&PageSize=200')
    ).json();
    expect(numbersOf(template)).toEqual(all);
  });

  it("shows nothing of another operator's: its customer filters to nothing, its list is its own", async () => {
    const foreign = (await get(`?msTenantId=${other.customer.msTenantId}`)).json();
    expect(foreign).toMatchObject({ totalRecords: 0, data: [] });
    const unknown = (await get(`?msTenantId=${randomUUID()}`)).json();
    expect(unknown).toMatchObject({ totalRecords: 0, data: [] });
    const theirs = (await get('', other.apiKey.key)).json();
    expect(theirs.totalRecords).toBe(3);
    expect(numbersOf(theirs).filter((n: string) => all.includes(n))).toEqual([]);
  });

  it.each([
    ['PageSize=0', '/PageSize'],
    ['PageSize=1001', '/PageSize'],
    ['PageSize=ten', '/PageSize'],
    ['PageNumber=0', '/PageNumber'],
    ['PageNumber=1.5', '/PageNumber'],
    ['PageNumber=2000001', '/PageNumber'],
    ['acquiredNumberStatus=Bogus', '/acquiredNumberStatus'],
    ['acquiredNumberStatus=4', '/acquiredNumberStatus'],
    ['pageSize=10', '/'],
  ])('refuses %s with a 400 naming the parameter', async (query, pointer) => {
    const res = await get(`?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json();
    expect(problem).toMatchObject({ status: 400, errorCode: 'INVALID_REQUEST', instance: URL });
    expect(problem.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
  });

  it('refuses a malformed msTenantId like the summary does, and a missing key', async () => {
    const res = await get('?msTenantId=42');
    expect(res.json()).toMatchObject({
      status: 400,
      errorCode: 'INVALID_TENANT_ID',
      title: 'Invalid msTenantId',
      detail: 'msTenantId has not a Guid format',
    });
    expect((await suite.api.app.inject({ method: 'GET', url: URL })).statusCode).toBe(401);
  });
});
