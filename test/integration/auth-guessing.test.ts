import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb } from '../../src/db/client.ts';
import { randomKey, type TestApp, useAppsDatabase } from '../support/app.ts';
import { createApiKey, createTenant } from '../support/factories.ts';

// Online guessing of API keys: only failures spend a client's budget. A spent client's
// failing attempts get 429, but every key is still checked, so valid ones are never locked out
// by others' failures; behind a trusted proxy a client cannot pick its own address. The admin
// password's budget is in auth-admin-guessing.test.ts, the budget without Redis in
// auth-without-redis.test.ts, the key cache in auth-key-cache.test.ts.

const ENDPOINT = '/api/v3/oc/numbers/action/ready-for-removal';

const t = useAppsDatabase();

describe('API keys', () => {
  let api: TestApp;
  let key: string;
  beforeAll(async () => {
    api = await t.app(t.prefix('guess-api'), {
      AUTH_FAILURE_LIMIT_MAX: '3',
      RATE_LIMIT_WINDOW_MS: '600000',
    });
    key = (await createTenant(t.db)).apiKey.key;
  });
  afterAll(async () => api?.close());

  const submit = (authorization: string, ip: string) =>
    api.app.inject({
      method: 'POST',
      url: ENDPOINT,
      remoteAddress: ip,
      headers: { authorization, prefer: 'respond-async' },
      payload: { telephoneNumbers: ['+14255551212'] },
    });

  it('checks every key, also from a spent client: valid keys get in, failures get 429', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 4; i++)
      codes.push((await submit(`Bearer ${randomKey()}`, '10.2.0.1')).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
    expect((await submit(`Bearer ${key}`, '10.2.0.1')).statusCode).toBe(202);
    expect((await submit(`Bearer ${key}`, '10.2.0.2')).statusCode).toBe(202);
    const flood = await submit(`Bearer ${randomKey()}`, '10.2.0.1');
    expect(flood.statusCode).toBe(429);
    expect(flood.json()).toMatchObject({
      errorCode: 'RATE_LIMITED',
      detail: 'Too many failed authentication attempts from this client',
    });
    // With the database gone a key cannot be checked: 503, never an answer that calls it wrong.
    await closeDb(api.deps.db);
    expect((await submit(`Bearer ${randomKey()}`, '10.2.0.1')).statusCode).toBe(503);
    expect((await submit(`Bearer ${randomKey()}`, '10.2.0.3')).statusCode).toBe(503);
  });
});

describe('admin keys', () => {
  it('belong to no operator and cannot call the operator API (403)', async () => {
    const api = await t.app(t.prefix('guess-admin-api'));
    try {
      const { key } = await createApiKey(t.db, '', { role: 'admin' });
      const headers = { authorization: `Bearer ${key}` };
      for (const [method, url] of [
        ['POST', ENDPOINT],
        ['GET', '/api/v3/oc/numbers/jobs'],
      ] as const) {
        const res = await api.app.inject({
          method,
          url,
          headers,
          ...(method === 'POST' && { payload: { telephoneNumbers: ['+14255551212'] } }),
        });
        expect(res.statusCode).toBe(403);
        expect(res.json()).toMatchObject({
          errorCode: 'FORBIDDEN',
          detail: 'Admin keys belong to no operator and cannot call the operator API',
        });
      }
    } finally {
      await api.close();
    }
  });
});

describe('behind a proxy (TRUST_PROXY)', () => {
  // The proxy (127.0.0.1) appends the address it saw to whatever X-Forwarded-For the client sent.
  const viaProxy = (app: TestApp, client: string, spoofed: string) =>
    app.app.inject({
      method: 'GET',
      url: '/api/v3/oc/numbers/jobs',
      remoteAddress: '127.0.0.1',
      headers: {
        authorization: `Bearer ${randomKey()}`,
        'x-forwarded-for': `${spoofed}, ${client}`,
      },
    });

  it.each(['1', '127.0.0.1/32'])(
    'TRUST_PROXY=%s: a client cannot pick its own address to escape its failure budget',
    async (trustProxy) => {
      const app = await t.app(t.prefix('guess-proxy'), {
        TRUST_PROXY: trustProxy,
        AUTH_FAILURE_LIMIT_MAX: '2',
        RATE_LIMIT_WINDOW_MS: '600000',
      });
      try {
        const codes: number[] = [];
        for (let i = 0; i < 4; i++) {
          codes.push((await viaProxy(app, '203.0.113.7', `198.51.100.${i}`)).statusCode);
        }
        expect(codes).toEqual([401, 401, 429, 429]);
        // Another real client behind the same proxy has its own budget.
        expect((await viaProxy(app, '203.0.113.8', '198.51.100.1')).statusCode).toBe(401);
        // A client that reaches the service directly cannot claim an address at all.
        const direct = await app.app.inject({
          method: 'GET',
          url: '/api/v3/oc/numbers/jobs',
          remoteAddress: '203.0.113.7',
          headers: { authorization: `Bearer ${randomKey()}`, 'x-forwarded-for': '198.51.100.77' },
        });
        expect(direct.statusCode).toBe(trustProxy === '1' ? 401 : 429);
      } finally {
        await app.close();
      }
    },
  );
});
