import { get as httpGet, type IncomingMessage } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportSlotsFor } from '../../src/api/budgets/export-slots.ts';
import { type TestApp, useAppsDatabase } from '../support/app.ts';
import { createNumbers, createTenant } from '../support/factories.ts';
import { waitFor } from '../support/wait.ts';

// GET /api/v3/oc/numbers with Accept: text/csv: every number of the filter, streamed in
// keyset-paged batches (no paging for the client), telephoneNumber first.

const URL = '/api/v3/oc/numbers';
const HEADER =
  'telephoneNumber,acquiredNumberStatus,acquiredNumberStatusName,msTenantId,operatorConnect,assignable,confirmedForRemovalAt,updatedAt';
// More than one cursor batch (1,000 rows), so batches must join up in order.
const BULK = 2500;
const t = useAppsDatabase();
const prefix = t.prefix('api-csv');
let api: TestApp;
let tenant: Awaited<ReturnType<typeof createTenant>>;
let big: Awaited<ReturnType<typeof createTenant>>;
let other: Awaited<ReturnType<typeof createTenant>>;
let bulk: string[];

beforeAll(async () => {
  // One operator may hold every slot here (the per-operator cap: api-export-limits.test.ts).
  api = await t.app(prefix, { EXPORTS_PER_OPERATOR_MAX: '10' });
  [tenant, big, other] = [
    await createTenant(t.db),
    await createTenant(t.db),
    await createTenant(t.db),
  ];
  const operatorId = tenant.operator.id;
  await createNumbers(t.db, {
    operatorId,
    customerId: tenant.customer.id,
    status: 'MarkedForRemoval',
    e164s: ['+14255550102', '+14255550101'],
  });
  await createNumbers(t.db, {
    operatorId,
    customerId: null,
    status: 'Active',
    e164s: ['+14255550100'],
  });
  await createNumbers(t.db, {
    operatorId: other.operator.id,
    customerId: null,
    status: 'Active',
    count: 2,
  });
  bulk = await createNumbers(t.db, {
    operatorId: big.operator.id,
    customerId: big.customer.id,
    status: 'Active',
    count: BULK,
  });
});

const csv = (query: string, key = tenant.apiKey.key, accept = 'text/csv') =>
  api.app.inject({
    method: 'GET',
    url: `${URL}${query}`,
    headers: { authorization: `Bearer ${key}`, accept },
  });
const lines = (body: string) => body.split('\r\n').slice(0, -1);

describe('number list as CSV', () => {
  it('streams every number of the operator, sorted, with a header and a download name', async () => {
    const res = await csv('?PageSize=1');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="numbers.csv"');
    expect(res.body.endsWith('\r\n')).toBe(true);
    const [header, ...rows] = lines(res.body);
    expect(header).toBe(HEADER);
    const tenantId = tenant.customer.msTenantId;
    expect(rows.map((r) => r.replace(/,[^,]*$/, ''))).toEqual([
      '+14255550100,0,Active,,false,true,',
      `+14255550101,2,MarkedForRemoval,${tenantId},true,true,`,
      `+14255550102,2,MarkedForRemoval,${tenantId},true,true,`,
    ]);
    // updatedAt, as in the JSON list.
    const json = (await csv('', tenant.apiKey.key, 'application/json')).json();
    expect(rows.map((r) => r.split(',').at(-1))).toEqual(
      json.data.map((n: { updatedAt: string }) => n.updatedAt),
    );
  });

  it('applies the filters; a foreign customer exports a header only', async () => {
    const marked = lines((await csv('?acquiredNumberStatus=Marked%20For%20Removal')).body);
    expect(marked.slice(1).map((r) => r.split(',')[0])).toEqual(['+14255550101', '+14255550102']);
    const foreign = await csv(`?msTenantId=${other.customer.msTenantId}`);
    expect(foreign.statusCode).toBe(200);
    expect(lines(foreign.body)).toEqual([HEADER]);
    const bad = await csv('?acquiredNumberStatus=9');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('joins batches in order: every number once', async () => {
    const rows = lines((await csv('', big.apiKey.key)).body).slice(1);
    expect(rows.length).toBe(BULK);
    expect(rows.map((r) => r.split(',')[0])).toEqual([...bulk].sort());
  });

  it('negotiates Accept with q-values and refuses what it cannot send', async () => {
    const json = await csv('', tenant.apiKey.key, 'text/csv;q=0.5, application/json');
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    // The answer depends on Accept, so caches must key on it (JSON and CSV alike).
    expect(json.headers.vary).toBe('Accept');
    const csvFirst = await csv('', tenant.apiKey.key, 'application/json;q=0.1, text/*');
    expect(csvFirst.headers['content-type']).toMatch(/^text\/csv/);
    expect(csvFirst.headers.vary).toBe('Accept');
    const browser = await csv('', tenant.apiKey.key, 'text/html,application/xhtml+xml,*/*;q=0.8');
    expect(browser.headers['content-type']).toMatch(/^application\/json/);
    const refused = await csv('', tenant.apiKey.key, 'text/html');
    expect(refused.statusCode).toBe(406);
    expect(refused.json()).toMatchObject({ errorCode: 'NOT_ACCEPTABLE' });
  });

  it('paused clients hold their slots; a full instance answers 503; clients gone free them', async () => {
    const many = await createTenant(t.db);
    // About 12 MB of CSV: far more than a paused reader's socket buffers take in (their
    // autotuning grows only while the reader keeps up), so the stream must wait for it.
    await t.sql`
      insert into telephone_numbers (e164, operator_id, customer_id, status)
      select '+1303' || lpad(i::text, 7, '0'), ${many.operator.id}, ${many.customer.id}, 'Active'
      from generate_series(1, 100000) as i`;
    const base = await api.listen();
    const slots = exportSlotsFor(api.config.databasePoolMax);
    const paused: IncomingMessage[] = [];
    for (let i = 0; i < slots; i++) paused.push(await pausedExport(base, many.apiKey.key));
    // Every export slot of the instance is taken: one more export waits for a free one.
    const refused = await csv('');
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('10');
    expect(refused.json()).toMatchObject({ errorCode: 'SERVICE_UNAVAILABLE' });
    expect((await csv('', tenant.apiKey.key, 'application/json')).statusCode).toBe(200);

    for (const response of paused) response.destroy();
    await waitFor('the exports to give their slots back', async () =>
      (await csv('')).statusCode === 200 ? true : undefined,
    );
  });
});

/** Starts an export over a real socket and stops reading after its first chunk. */
async function pausedExport(base: string, key: string): Promise<IncomingMessage> {
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const request = httpGet(
      `${base}${URL}`,
      { headers: { authorization: `Bearer ${key}`, accept: 'text/csv' } },
      resolve,
    );
    request.on('error', reject);
  });
  await new Promise((resolve) => response.once('data', resolve));
  response.pause();
  return response;
}
