import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, type TestApp, useAppsDatabase } from '../support/app.ts';
import { createMarkedNumbers, createTenant } from '../support/factories.ts';
import { JOBS } from '../support/job-routes.ts';

// Each operator's read budget (docs/api.md, "Rate limit"): every read route spends one budget
// of the operator's, shared by the API instances, with the IETF RateLimit fields on every
// answer and a 429 problem with Retry-After past it. Other operators and the operation endpoints
// have budgets of their own.

const ACTION = '/api/v3/oc/numbers/action/ready-for-removal';
const MAX = 8;
const POLICY = `"reads";q=${MAX};w=600`;
const t = useAppsDatabase();
const prefix = t.prefix('api-reads');
let a: TestApp;
let b: TestApp;
let alpha: Awaited<ReturnType<typeof createTenant>>;
let beta: Awaited<ReturnType<typeof createTenant>>;
let jobId: string;
let number: string;

beforeAll(async () => {
  const settings = {
    READ_RATE_LIMIT_OPERATOR_MAX: String(MAX),
    READ_RATE_LIMIT_WINDOW_MS: '600000',
  };
  a = await t.app(prefix, settings);
  b = await t.app(prefix, settings);
  [alpha, beta] = [await createTenant(t.db), await createTenant(t.db)];
  [number = ''] = await createMarkedNumbers(t.db, alpha, 1);
  const created = await a.app.inject({
    method: 'POST',
    url: ACTION,
    headers: { ...bearer(alpha.apiKey.key), prefer: 'respond-async' },
    payload: { telephoneNumbers: [number] },
  });
  jobId = created.json().jobId;
});

const read = (api: TestApp, url: string, key = alpha.apiKey.key, accept = 'application/json') =>
  api.app.inject({ method: 'GET', url, headers: { ...bearer(key), accept } });

describe('the read budget', () => {
  it('is one budget over every read route and both instances, then 429 with Retry-After', async () => {
    const reads = [
      [a, JOBS, 'application/json'],
      [b, `${JOBS}/${jobId}`, 'application/json'],
      [a, `${JOBS}/${jobId}/items`, 'application/json'],
      [b, `${JOBS}/${jobId}/items`, 'text/csv'],
      [a, '/api/v3/oc/numbers/removal-status/summary', 'application/json'],
      [b, '/api/v3/oc/numbers', 'application/json'],
      [a, '/api/v3/oc/numbers', 'text/csv'],
      [b, `/api/v3/oc/numbers/${encodeURIComponent(number)}`, 'application/json'],
    ] as const;
    expect(reads).toHaveLength(MAX);
    for (const [index, [api, url, accept]] of reads.entries()) {
      const res = await read(api, url, alpha.apiKey.key, accept);
      expect({ url, accept, status: res.statusCode }).toEqual({ url, accept, status: 200 });
      expect(res.headers['ratelimit-policy']).toBe(POLICY);
      expect(res.headers.ratelimit).toMatch(new RegExp(`^"reads";r=${MAX - 1 - index};t=\\d+$`));
    }
    const refused = await read(a, `${JOBS}/${jobId}`);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json()).toMatchObject({
      errorCode: 'RATE_LIMITED',
      detail: "This operator's read budget is spent; retry later",
    });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['ratelimit-policy']).toBe(POLICY);
    expect(refused.headers.ratelimit).toMatch(/^"reads";r=0;t=\d+$/);
  });

  it("leaves other operators' reads and the operation endpoints alone", async () => {
    const other = await read(b, JOBS, beta.apiKey.key);
    expect(other.statusCode).toBe(200);
    expect(other.headers.ratelimit).toMatch(new RegExp(`^"reads";r=${MAX - 1};t=\\d+$`));
    const action = await a.app.inject({
      method: 'POST',
      url: `${ACTION}?dryRun=true`,
      headers: bearer(alpha.apiKey.key),
      payload: { telephoneNumbers: [number] },
    });
    expect(action.statusCode).toBe(200);
    expect(action.headers['ratelimit-policy']).toMatch(/^"global";q=\d+;w=\d+, "operator"/);
    // Cancelling is not a read.
    const cancel = await a.app.inject({
      method: 'POST',
      url: `${JOBS}/${jobId}/cancel`,
      headers: bearer(alpha.apiKey.key),
    });
    expect(cancel.statusCode).toBe(200);
  });

  it('is documented on every read route: RateLimit fields and the 429', async () => {
    const doc = (await a.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const readRoutes = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .filter(([path, methods]) => path.startsWith('/api/') && 'get' in methods)
      .map(([path, methods]) => [path, methods.get] as const);
    expect(readRoutes.length).toBe(9); // 6 of numbers and jobs, 3 of webhook endpoints
    for (const [path, operation] of readRoutes) {
      const responses = (operation as { responses: Record<string, { headers?: object }> })
        .responses;
      expect({ path, headers: Object.keys(responses['200']?.headers ?? {}) }).toEqual({
        path,
        headers: expect.arrayContaining(['RateLimit', 'RateLimit-Policy']),
      });
      expect({ path, headers: Object.keys(responses['429']?.headers ?? {}) }).toEqual({
        path,
        headers: expect.arrayContaining(['RateLimit', 'RateLimit-Policy', 'Retry-After']),
      });
    }
  });
});

describe('without Redis', () => {
  it('serves reads without the budget (Postgres is the record)', async () => {
    const lone = await t.app(t.prefix('api-reads-noredis'));
    try {
      lone.deps.redis.disconnect();
      const res = await read(lone, JOBS, beta.apiKey.key);
      expect(res.statusCode).toBe(200);
      expect(res.headers.ratelimit).toBeUndefined();
    } finally {
      await lone.close();
    }
  });
});
