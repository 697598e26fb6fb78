import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { addClient, type NewClient } from '../../src/oidc/clients.ts';
import { type Tenant, type TestApp, useAppsDatabase } from '../support/app.ts';
import { testConfig } from '../support/config.ts';
import { createMarkedJob, createTenant } from '../support/factories.ts';
import { startTestIssuer, type TestIssuer, type TestKey } from '../support/oidc-issuer.ts';

// What a mapped token may reach and what it may not, an issuer that is down, and a
// flood of forged tokens, on the app with the default key timings (JWKS refetched at most
// every 30 s).

const AUDIENCE = 'api://oc-numbers-access';
const JOBS = '/api/v3/oc/numbers/jobs';
const t = useAppsDatabase();
const prefix = t.prefix('oidc-access');
let api: TestApp;
let issuer: TestIssuer;
let down: TestIssuer;
let key: TestKey;
let downKey: TestKey;
let tenantA: Tenant;
let tenantB: Tenant;
const clients = { a: randomUUID(), admin: randomUUID(), down: randomUUID() };
const logLines: string[] = [];

beforeAll(async () => {
  issuer = await startTestIssuer();
  key = await issuer.addKey('RS256');
  down = await startTestIssuer();
  downKey = await down.addKey('ES256');
  await down.stop();
  const config = testConfig(t.url, prefix, {
    OIDC_ISSUERS: `${issuer.url},${down.url}`,
    OIDC_AUDIENCE: AUDIENCE,
    BULL_BOARD_USER: 'ops',
    BULL_BOARD_PASSWORD: 'board-pass',
    LOG_LEVEL: 'info',
  });
  const logger = createLogger(config, 'oc-numbers', { write: (l: string) => logLines.push(l) });
  api = await t.appWithConfig(config, { logger });
  tenantA = await createTenant(t.db);
  tenantB = await createTenant(t.db);
  const operatorA = { role: 'operator', operatorSlug: tenantA.operator.slug } as const;
  const add = (client: NewClient) => addClient(t.db, client);
  await add({ ...operatorA, issuer: issuer.url, clientId: clients.a, tenantId: null });
  await add({ role: 'admin', issuer: issuer.url, clientId: clients.admin, tenantId: null });
  await add({ ...operatorA, issuer: down.url, clientId: clients.down, tenantId: null });
});
afterAll(async () => {
  await issuer?.stop();
});

const tokenOf = (clientId: string) =>
  issuer.mint(key, { claims: { aud: AUDIENCE, azp: clientId } });
const get = async (url: string, authorization: string, remoteAddress = '10.8.0.1') =>
  api.app.inject({ method: 'GET', url, headers: { authorization }, remoteAddress });

describe('what a mapped token reaches', () => {
  it("operator A's client cannot see operator B's job (404), and sees its own", async () => {
    const token = `Bearer ${await tokenOf(clients.a)}`;
    const theirs = await createMarkedJob(t.db, tenantB, 1);
    expect((await get(`${JOBS}/${theirs.job.id}`, token)).statusCode).toBe(404);
    const mine = await createMarkedJob(t.db, tenantA, 1);
    expect((await get(`${JOBS}/${mine.job.id}`, token)).statusCode).toBe(200);
  });

  it('an admin client opens /metrics and Bull Board, never the operator API (403)', async () => {
    const admin = `Bearer ${await tokenOf(clients.admin)}`;
    expect((await get('/metrics', admin)).statusCode).toBe(200);
    expect((await get('/admin/queues', admin)).statusCode).toBe(200);
    const refused = await get(JOBS, admin);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ errorCode: 'FORBIDDEN' });
    const operator = `Bearer ${await tokenOf(clients.a)}`;
    expect((await get('/metrics', operator)).statusCode).toBe(403);
  });

  it('logs name the client, never the token', async () => {
    const token = await tokenOf(clients.a);
    expect((await get(JOBS, `Bearer ${token}`)).statusCode).toBe(200);
    const principal = `client:${new URL(issuer.url).host}/${clients.a}`;
    const lines = logLines.map((l) => JSON.parse(l) as { principal?: string; msg?: string });
    expect(lines).toContainEqual(expect.objectContaining({ principal, msg: 'request completed' }));
    expect(logLines.some((l) => l.includes(token.split('.')[2] as string))).toBe(false);
  });
});

describe('an issuer that is down', () => {
  it('answers its tokens 503 with Retry-After, while API keys work', async () => {
    const token = await down.mint(downKey, { claims: { aud: AUDIENCE, azp: clients.down } });
    const res = await get(JOBS, `Bearer ${token}`, '10.8.1.1');
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.json()).toMatchObject({ errorCode: 'SERVICE_UNAVAILABLE' });
    expect((await get(JOBS, `Bearer ${tenantA.apiKey.key}`, '10.8.1.1')).statusCode).toBe(200);
    expect((await get(JOBS, `Bearer ${await tokenOf(clients.a)}`, '10.8.1.1')).statusCode).toBe(
      200,
    );
  });
});

describe('a flood of forged tokens', () => {
  it('is stopped by the failure budget, costs no JWKS fetch per request, and spares valid ones', async () => {
    const attacker = await issuer.addKey('RS256', false);
    const forged = await Promise.all(
      Array.from({ length: 1000 }, () =>
        issuer.mint(attacker, { claims: { aud: AUDIENCE, azp: clients.a }, kid: randomUUID() }),
      ),
    );
    const fetchesBefore = issuer.fetches.jwks;
    const statuses: Record<number, number> = {};
    for (let i = 0; i < forged.length; i += 100) {
      const batch = forged.slice(i, i + 100).map((f) => get(JOBS, `Bearer ${f}`, '10.8.2.1'));
      for (const res of await Promise.all(batch)) {
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      }
    }
    expect(statuses).toEqual({
      401: api.config.authFailureLimitMax,
      429: 1000 - api.config.authFailureLimitMax,
    });
    expect(issuer.fetches.jwks - fetchesBefore).toBeLessThanOrEqual(1);
    expect((await get(JOBS, `Bearer ${await tokenOf(clients.a)}`, '10.8.2.1')).statusCode).toBe(
      200,
    );
  });
});
