import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { bearer, randomKey, type TestApp, useAppsDatabase } from '../support/app.ts';
import { testConfig } from '../support/config.ts';
import { createApiKey, createTenant } from '../support/factories.ts';
import { waitFor } from '../support/wait.ts';

// Many clients behind one address (a load balancer with TRUST_PROXY unset, a NAT): one of them
// failing to authenticate must never lock the others out. Only failures spend the address's
// budget and are refused once it is spent; the lookups a spent address causes stay bounded.

const ACTION = '/api/v3/oc/numbers/action/ready-for-removal';
const JOBS = '/api/v3/oc/numbers/jobs';
const SHARED = '10.9.0.1';

const t = useAppsDatabase();

describe('one address, many tenants (default budget)', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await t.app(t.prefix('shared-addr'), { RATE_LIMIT_WINDOW_MS: '600000' });
  });
  afterAll(async () => api?.close());

  const send = (method: 'GET' | 'POST', url: string, key: string, payload?: object) =>
    api.app.inject({
      method,
      url,
      remoteAddress: SHARED,
      headers: { ...bearer(key), ...(payload && { prefer: 'respond-async' }) },
      ...(payload && { payload }),
    });

  it('31 bad requests, then alpha and beta get in from the same address', async () => {
    const alpha = await createTenant(t.db);
    const beta = await createTenant(t.db);
    const codes: number[] = [];
    for (let i = 0; i < 31; i++) codes.push((await send('GET', JOBS, randomKey())).statusCode);
    expect(codes).toEqual([...Array(30).fill(401), 429]);

    const alphaRead = await send('GET', JOBS, alpha.apiKey.key);
    expect(alphaRead.statusCode).toBe(200);
    const alphaJob = await send('POST', ACTION, alpha.apiKey.key, {
      telephoneNumbers: ['+14255551212'],
    });
    expect(alphaJob.statusCode).toBe(202);
    const betaDryRun = await send('POST', `${ACTION}?dryRun=true`, beta.apiKey.key, {
      telephoneNumbers: ['+14255551213'],
    });
    expect(betaDryRun.statusCode).toBe(200);
    expect(betaDryRun.json()).toMatchObject({ dryRun: true });

    // Failures from the address are still refused, with the budget's fields and Retry-After.
    const again = await send('GET', JOBS, randomKey());
    expect(again.statusCode).toBe(429);
    expect(again.json()).toMatchObject({
      errorCode: 'RATE_LIMITED',
      detail: 'Too many failed authentication attempts from this client',
    });
    expect(again.headers.ratelimit).toMatch(/^"auth-failures";r=0;t=\d+$/);
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('the cost of a flood from a spent address', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await t.app(t.prefix('shared-flood'), {
      AUTH_FAILURE_LIMIT_MAX: '2',
      RATE_LIMIT_WINDOW_MS: '600000',
    });
  });
  afterAll(async () => api?.close());

  const read = (key: string, ip: string) =>
    api.app.inject({ method: 'GET', url: JOBS, remoteAddress: ip, headers: bearer(key) });
  /** Backends of the API's pool waiting on the api_keys lock: key lookups in flight. */
  const waitingLookups = async () => {
    const rows = await t.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where datname = ${t.name} and application_name = 'oc-numbers-api'
        and wait_event_type = 'Lock' and query like '%api_keys%'`;
    return rows[0]?.n ?? 0;
  };
  /** Holds an ACCESS EXCLUSIVE lock on api_keys (every key lookup waits) until released. */
  async function lockKeys() {
    const reserved = await t.sql.reserve();
    await reserved`begin`;
    await reserved`lock table api_keys in access exclusive mode`;
    return async () => {
      await reserved`rollback`;
      reserved.release();
    };
  }

  it("looks up a spent address's unknown keys one at a time; other addresses are not held up", async () => {
    const spent = '10.9.1.1';
    for (let i = 0; i < 3; i++) await read(randomKey(), spent);
    const fresh = (await createTenant(t.db)).apiKey.key;
    const release = await lockKeys();
    let flood: ReturnType<typeof read>[] = [];
    let marker: ReturnType<typeof read> | undefined;
    try {
      flood = Array.from({ length: 6 }, () => read(randomKey(), spent));
      // Sent after the flood: once it waits too, every lookup of the flood had its chance.
      marker = read(fresh, '10.9.1.2');
      await waitFor('the marker lookup to wait on the lock', async () =>
        (await waitingLookups()) >= 2 ? true : undefined,
      );
      expect(await waitingLookups()).toBe(2);
    } finally {
      await release();
    }
    const answers = await Promise.all(flood);
    expect(answers.map((a) => a.statusCode)).toEqual(Array(6).fill(429));
    expect((await marker)?.statusCode).toBe(200);
  });

  it('answers a repeated unknown key from its cache, without a query', async () => {
    const bad = randomKey();
    expect((await read(bad, '10.9.2.1')).statusCode).toBe(401);
    const release = await lockKeys();
    try {
      // With every lookup blocked by the lock, only the cache can answer (a lookup would wait
      // for the lock: no answer at all).
      const answer = await Promise.race([read(bad, '10.9.2.1'), sleep(5000).then(() => undefined)]);
      expect(answer?.statusCode).toBe(401);
      expect(await waitingLookups()).toBe(0);
    } finally {
      await release();
    }
  });

  it('still checks a valid key of a spent address that no cache knows', async () => {
    const spent = '10.9.3.1';
    for (let i = 0; i < 3; i++) await read(randomKey(), spent);
    const tenant = await createTenant(t.db);
    const second = await createApiKey(t.db, tenant.operator.id);
    expect((await read(second.key, spent)).statusCode).toBe(200);
  });
});

describe('X-Forwarded-For without TRUST_PROXY', () => {
  async function appWithLog(overrides: Record<string, string>) {
    const lines: { level: number; msg: string }[] = [];
    const config = testConfig(t.url, t.prefix('xff'), { LOG_LEVEL: 'warn', ...overrides });
    const logger = createLogger(config, 'oc-numbers', {
      write: (line: string) => lines.push(JSON.parse(line)),
    });
    return { api: await t.appWithConfig(config, { logger }), lines };
  }
  const viaProxy = (api: TestApp, headers: Record<string, string> = {}) =>
    api.app.inject({ method: 'GET', url: '/health/live', remoteAddress: '10.0.0.5', headers });
  const warnings = (lines: { msg: string }[]) =>
    lines.filter((l) => l.msg.includes('X-Forwarded-For but TRUST_PROXY is unset'));

  it('warns once, at the first request that carries it', async () => {
    const { api, lines } = await appWithLog({});
    try {
      await viaProxy(api);
      expect(warnings(lines)).toEqual([]);
      await viaProxy(api, { 'x-forwarded-for': '203.0.113.9' });
      await viaProxy(api, { 'x-forwarded-for': '203.0.113.10' });
      expect(warnings(lines)).toEqual([expect.objectContaining({ level: 40 })]);
    } finally {
      await api.close();
    }
  });

  it('says nothing when TRUST_PROXY is set', async () => {
    const { api, lines } = await appWithLog({ TRUST_PROXY: '10.0.0.0/8' });
    try {
      await viaProxy(api, { 'x-forwarded-for': '203.0.113.9' });
      expect(warnings(lines)).toEqual([]);
    } finally {
      await api.close();
    }
  });
});
