import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb } from '../../src/db/client.ts';
import { apiKeys } from '../../src/db/tables.ts';
import { generateApiKey } from '../../src/keys/api-key.ts';
import { createKeyAuthenticator } from '../../src/keys/authenticate.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createApiKey, createTenant } from '../support/factories.ts';
import { buildOpsHarness, type OpsHarness } from '../support/ops-harness.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { startPrivateRedis } from '../support/redis-server.ts';
import { waitFor } from '../support/wait.ts';

// Online guessing: only failures spend a client's budget. A spent client's failing attempts get
// 429; keys (256 random bits) are still checked, so valid ones are never locked out by others'
// failures, while the admin password is not checked at all unless its failure can be counted
// (or the browser logged in before). A flood of random keys never pushes valid keys out of the
// key cache.

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const randomKey = () => generateApiKey().key;
const ENDPOINT = '/api/v3/oc/numbers/action/ready-for-removal';

let t: TestDatabase;
const prefixes: string[] = [];
const prefix = (label: string) => {
  const p = uniquePrefix(label);
  prefixes.push(p);
  return p;
};

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
  await Promise.all(prefixes.map(deletePrefix));
});

describe('admin surfaces', () => {
  let ops: OpsHarness;
  let adminKey: string;
  beforeAll(async () => {
    ops = await buildOpsHarness(t, prefix('guess-admin'), {
      BULL_BOARD_USER: 'ops',
      BULL_BOARD_PASSWORD: 'board-pass',
      AUTH_FAILURE_LIMIT_MAX: '3',
      RATE_LIMIT_WINDOW_MS: '600000',
    });
    const tenant = await createTenant(t.db);
    adminKey = (await createApiKey(t.db, tenant.operator.id, { role: 'admin' })).key;
  });
  afterAll(async () => ops?.close());

  const get = (authorization: string, ip: string) =>
    ops.app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: ip,
      headers: { authorization },
    });

  it('refuses a password once the budget is spent, without checking it; an admin key still gets in', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 4; i++)
      codes.push((await get(basic('ops', `guess-${i}`), '10.1.0.1')).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
    const right = await get(basic('ops', 'board-pass'), '10.1.0.1');
    expect(right.statusCode).toBe(429);
    expect(right.json()).toMatchObject({ errorCode: 'RATE_LIMITED' });
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    // An admin key (256 random bits) is always checked: others' failures never lock it out.
    expect((await get(`Bearer ${adminKey}`, '10.1.0.1')).statusCode).toBe(200);
    expect((await get(`Bearer ${randomKey()}`, '10.1.0.1')).statusCode).toBe(429);
    // Another client is not affected.
    expect((await get(basic('ops', 'board-pass'), '10.1.0.2')).statusCode).toBe(200);
  });

  it('checks the password of a browser that logged in before (device cookie), even while spent', async () => {
    const login = await get(basic('ops', 'board-pass'), '10.1.0.5');
    expect(login.statusCode).toBe(200);
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(
      /^ocn_admin_device=\d+\.[\w-]{43}; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Strict$/,
    );
    const cookie = setCookie.split(';')[0] ?? '';
    for (let i = 0; i < 4; i++) await get(basic('ops', `guess-${i}`), '10.1.0.5');
    const withCookie = (authorization: string, value = cookie) =>
      ops.app.inject({
        method: 'GET',
        url: '/metrics',
        remoteAddress: '10.1.0.5',
        headers: { authorization, cookie: `theme=dark; ${value}` },
      });
    expect((await withCookie(basic('ops', 'board-pass'))).statusCode).toBe(200);
    // A wrong password is refused as without the cookie, and the cookie alone opens nothing.
    expect((await withCookie(basic('ops', 'nope'))).statusCode).toBe(429);
    expect((await get(basic('ops', 'board-pass'), '10.1.0.5')).statusCode).toBe(429);
    const [expires, signature = ''] = cookie.replace('ocn_admin_device=', '').split('.');
    const tampered = [
      `ocn_admin_device=${Number(expires) + 1}.${signature}`,
      `ocn_admin_device=${expires}.${signature.slice(0, -2)}AA`,
      `ocn_admin_device=1.${signature}`,
    ];
    for (const value of tampered) {
      expect((await withCookie(basic('ops', 'board-pass'), value)).statusCode).toBe(429);
    }
  });

  it('answers a request without credentials with the challenge, uncounted, even while spent', async () => {
    for (let i = 0; i < 4; i++) await get(basic('ops', `guess-${i}`), '10.1.0.6');
    const bare = await ops.app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '10.1.0.6',
    });
    expect(bare.statusCode).toBe(401);
    expect(bare.headers['www-authenticate']).toBe(
      'Basic realm="oc-numbers-admin", charset="UTF-8"',
    );
    for (let i = 0; i < 5; i++) {
      const fresh = await ops.app.inject({
        method: 'GET',
        url: '/metrics',
        remoteAddress: '10.1.0.7',
      });
      expect(fresh.statusCode).toBe(401);
    }
    expect((await get(basic('ops', 'board-pass'), '10.1.0.7')).statusCode).toBe(200);
  });

  it('lets no more parallel guesses through than the budget', async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => get(basic('ops', `parallel-${i}`), '10.1.0.3')),
    );
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes).toEqual([...Array(3).fill(401), ...Array(9).fill(429)]);
  });

  it('does not spend the budget on successful logins', async () => {
    for (let i = 0; i < 6; i++) {
      expect((await get(basic('ops', 'board-pass'), '10.1.0.4')).statusCode).toBe(200);
      expect((await get(`Bearer ${adminKey}`, '10.1.0.4')).statusCode).toBe(200);
    }
    const wrong = await get(basic('ops', 'nope'), '10.1.0.4');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers.ratelimit).toMatch(/^"admin-auth-failures";r=2;t=\d+$/);
  });
});

describe('API keys', () => {
  let api: TestApp;
  let key: string;
  beforeAll(async () => {
    api = await startTestApp(t, prefix('guess-api'), {
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
    const api = await startTestApp(t, prefix('guess-admin-api'));
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

describe('without Redis (the process keeps the budget)', () => {
  it('checks keys and passwords, counting failures locally until the budget is spent', async () => {
    const ops = await buildOpsHarness(
      t,
      prefix('guess-noredis'),
      { BULL_BOARD_USER: 'ops', BULL_BOARD_PASSWORD: 'board-pass', AUTH_FAILURE_LIMIT_MAX: '2' },
      { redisUrl: 'redis://127.0.0.1:1' },
    );
    const api = await startTestApp(t, prefix('guess-noredis-api'), { AUTH_FAILURE_LIMIT_MAX: '2' });
    try {
      const admin = (await createApiKey(t.db, '', { role: 'admin' })).key;
      const scrape = (authorization: string) =>
        ops.app.inject({ method: 'GET', url: '/metrics', headers: { authorization } });
      // A scrape still works while Redis is down: the readiness gauge can say so.
      expect((await scrape(basic('ops', 'board-pass'))).statusCode).toBe(200);
      expect((await scrape(basic('ops', 'nope'))).statusCode).toBe(401);
      expect((await scrape(`Bearer ${randomKey()}`)).statusCode).toBe(401);
      // Spent: the password is no longer looked at, right or wrong; keys still are.
      const right = await scrape(basic('ops', 'board-pass'));
      const wrong = await scrape(basic('ops', 'nope'));
      expect([right.statusCode, wrong.statusCode]).toEqual([429, 429]);
      expect((await scrape(`Bearer ${admin}`)).statusCode).toBe(200);
      expect((await scrape(`Bearer ${randomKey()}`)).statusCode).toBe(429);

      const key = (await createTenant(t.db)).apiKey.key;
      api.deps.redis.disconnect();
      const read = (authorization: string) =>
        api.app.inject({
          method: 'GET',
          url: '/api/v3/oc/numbers/jobs',
          headers: { authorization },
        });
      expect((await read(`Bearer ${key}`)).statusCode).toBe(200);
      expect((await read(`Bearer ${randomKey()}`)).statusCode).toBe(401);
      expect((await read(`Bearer ${randomKey()}`)).statusCode).toBe(401);
      expect((await read(`Bearer ${randomKey()}`)).statusCode).toBe(429);
      expect((await read(`Bearer ${key}`)).statusCode).toBe(200);
    } finally {
      await ops.close();
      await api.close();
    }
  });
});

describe('Bull Board Basic auth when its Redis stops', () => {
  it('keeps counting guesses in the process: no unlimited oracle, no lock-out of the password', async () => {
    const redis = await startPrivateRedis();
    const ops = await buildOpsHarness(
      t,
      prefix('guess-redis-stop'),
      { BULL_BOARD_USER: 'ops', BULL_BOARD_PASSWORD: 'board-pass', AUTH_FAILURE_LIMIT_MAX: '2' },
      { redisUrl: redis.url },
    );
    try {
      await waitFor('the request-path Redis connection', async () =>
        ops.deps.redis.status === 'ready' ? true : undefined,
      );
      const board = (authorization: string, cookie?: string) =>
        ops.app.inject({
          method: 'GET',
          url: '/admin/queues/api/queues',
          headers: { authorization, ...(cookie && { cookie }) },
        });
      const login = await board(basic('ops', 'board-pass'));
      expect(login.statusCode).toBe(200);
      const cookie = String(login.headers['set-cookie']).split(';')[0];

      await redis.stop();
      await waitFor('the request-path Redis connection to drop', async () =>
        ops.deps.redis.status === 'ready' ? undefined : true,
      );
      expect((await board(basic('ops', 'nope'))).statusCode).toBe(401);
      expect((await board(basic('ops', 'nope'))).statusCode).toBe(401);
      const right = await board(basic('ops', 'board-pass'));
      const wrong = await board(basic('ops', 'nope'));
      for (const answer of [right, wrong]) {
        expect(answer.statusCode).toBe(429);
        expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
      const { errorTicket: _a, traceId: _b, ...rightBody } = right.json();
      const { errorTicket: _c, traceId: _d, ...wrongBody } = wrong.json();
      expect(rightBody).toEqual(wrongBody);
      // A browser that logged in before still gets in; its wrong password does not.
      expect((await board(basic('ops', 'board-pass'), cookie)).statusCode).toBe(200);
      expect((await board(basic('ops', 'nope'), cookie)).statusCode).toBe(429);
    } finally {
      await ops.close();
      await redis.stop();
    }
  });
});

describe('key cache', () => {
  const revoke = (id: string) =>
    t.db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, id));

  it('keeps valid keys through a flood of more than 10,000 random keys', async () => {
    const tenant = await createTenant(t.db);
    const auth = createKeyAuthenticator(t.db, 600_000);
    expect(await auth.authenticate(tenant.apiKey.key)).toMatchObject({ role: 'operator' });
    // Revoked in the database: from now on only the cache can still answer for it.
    await revoke(tenant.apiKey.id);
    for (let sent = 0; sent < 10_050; sent += 50) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => auth.authenticate(randomKey())),
      );
      expect(answers.every((a) => a === null)).toBe(true);
    }
    expect(await auth.authenticate(tenant.apiKey.key)).toMatchObject({
      apiKeyId: tenant.apiKey.id,
    });
  }, 120_000);

  it('is a bounded LRU whose entries expire', async () => {
    const tenant = await createTenant(t.db);
    const keys = [
      tenant.apiKey,
      ...(await Promise.all([1, 2].map(() => createApiKey(t.db, tenant.operator.id)))),
    ];
    const bounded = createKeyAuthenticator(t.db, 600_000, 2);
    for (const k of keys) expect(await bounded.authenticate(k.key)).not.toBeNull();
    const expiring = createKeyAuthenticator(t.db, 300);
    expect(await expiring.authenticate(keys[2]?.key)).not.toBeNull();
    await Promise.all(keys.map((k) => revoke(k.id)));
    // The least recently used of three entries was dropped; the other two are still served.
    expect(await bounded.authenticate(keys[0]?.key)).toBeNull();
    expect(await bounded.authenticate(keys[1]?.key)).not.toBeNull();
    expect(await bounded.authenticate(keys[2]?.key)).not.toBeNull();
    // A revoked key stops working once its entry expires.
    const deadline = Date.now() + 10_000;
    while ((await expiring.authenticate(keys[2]?.key)) !== null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await expiring.authenticate(keys[2]?.key)).toBeNull();
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
      const app = await startTestApp(t, prefix('guess-proxy'), {
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
