import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../../src/db/tables.ts';
import { addClient } from '../../src/oidc/clients.ts';
import { bearer, type Tenant, type TestApp, useAppsDatabase } from '../support/app.ts';
import { createMarkedNumbers, createTenant } from '../support/factories.ts';
import { hs256WithPublicKey, unsignedToken } from '../support/forged-tokens.ts';
import { startTestIssuer, type TestIssuer, type TestKey } from '../support/oidc-issuer.ts';
import { waitFor } from '../support/wait.ts';

// OpenID Connect access tokens on the operator API, minted by a real issuer on
// 127.0.0.1: what is accepted, and each way a token must be refused, with the one 401.

const AUDIENCE = 'api://oc-numbers-test';
const ACTION = '/api/v3/oc/numbers/action/ready-for-removal';
const JOBS = '/api/v3/oc/numbers/jobs';
const t = useAppsDatabase();
const prefix = t.prefix('oidc-tokens');
let api: TestApp;
let issuer: TestIssuer;
let rsa: TestKey;
let ec: TestKey;
let tenant: Tenant;
const clientId = randomUUID();

beforeAll(async () => {
  issuer = await startTestIssuer();
  rsa = await issuer.addKey('RS256');
  ec = await issuer.addKey('ES256');
  // Short refresh timings, so a refresh can be watched (the 30 s default: oidc-access.test.ts).
  api = await t.app(
    prefix,
    { OIDC_ISSUERS: `${issuer.url},${issuer.template}`, OIDC_AUDIENCE: AUDIENCE },
    { worker: true, oidcKeyTimings: { cooldownMs: 500, cacheMaxAgeMs: 2000 } },
  );
  tenant = await createTenant(t.db);
  const mapped = { role: 'operator', operatorSlug: tenant.operator.slug } as const;
  await addClient(t.db, { ...mapped, issuer: issuer.url, clientId, tenantId: null });
});
afterAll(async () => {
  await issuer?.stop();
});

const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  aud: AUDIENCE,
  azp: clientId,
  ...extra,
});
const mint = (key: TestKey, extra?: Record<string, unknown>) =>
  issuer.mint(key, { claims: claims(extra) });
let address = 0;
const listJobs = (token: string, remoteAddress = `10.9.0.${++address}`) =>
  api.app.inject({ method: 'GET', url: JOBS, headers: bearer(token), remoteAddress });

/** The one 401 answer, without what differs per answer. */
function refusal(res: LightMyRequestResponse) {
  const { errorTicket: _t, traceId: _r, instance: _i, ...body } = res.json();
  return { status: res.statusCode, challenge: res.headers['www-authenticate'], body };
}

describe('OpenID Connect tokens', () => {
  it('a mapped client acts for its operator; the job and the history name the client', async () => {
    const [number] = (await createMarkedNumbers(t.db, tenant, 1)) as [string];
    const res = await api.app.inject({
      method: 'POST',
      url: ACTION,
      headers: bearer(await mint(rsa)),
      payload: { telephoneNumbers: [number] },
    });
    expect(res.statusCode).toBe(200);
    const jobId = res.json().data.jobId as string;
    const principal = `client:${new URL(issuer.url).host}/${clientId}`;
    const [row] = await t.db.select().from(jobs).where(eq(jobs.id, jobId));
    expect(row).toMatchObject({ clientPrincipal: principal, apiKeyId: null });
    const history = await api.app.inject({
      method: 'GET',
      url: `/api/v3/oc/numbers/${encodeURIComponent(number)}`,
      headers: bearer(await mint(ec)),
    });
    expect(history.json().history[0]).toMatchObject({ jobId, actor: principal });
  });

  it('takes RS256 and ES256, and exp up to 60 s in the past (clock skew)', async () => {
    expect((await listJobs(await mint(rsa))).statusCode).toBe(200);
    expect((await listJobs(await mint(ec))).statusCode).toBe(200);
    expect((await listJobs(await mint(rsa, { exp: now() - 30 }))).statusCode).toBe(200);
  });

  it('refuses every bad token with the one 401 of a bad API key, invalid_token', async () => {
    const strangerKey = await issuer.addKey('RS256', false);
    const badKey = refusal(await listJobs(`ocn_${'A'.repeat(43)}`));
    expect(badKey).toEqual({
      status: 401,
      challenge: 'Bearer error="invalid_token"',
      body: {
        type: 'urn:oc-numbers:problem:unauthorized',
        title: 'Unauthorized',
        status: 401,
        detail: 'A valid API key or access token is required',
        errorCode: 'UNAUTHORIZED',
      },
    });
    const tokens = {
      expired: await mint(rsa, { exp: now() - 120 }),
      notYetValid: await mint(rsa, { nbf: now() + 120 }),
      wrongAudience: await mint(rsa, { aud: 'api://someone-else' }),
      wrongIssuer: await mint(rsa, { iss: 'http://127.0.0.1:9/elsewhere' }),
      noExp: await issuer.mint(rsa, { claims: { ...claims(), exp: undefined } }),
      strangersKey: await issuer.mint(strangerKey, { claims: claims(), kid: rsa.kid }),
      algNone: unsignedToken({ ...claims(), iss: issuer.url, exp: now() + 600 }, rsa.kid),
      hs256WithRsaPublicKey: hs256WithPublicKey(rsa.publicJwk, {
        ...claims(),
        iss: issuer.url,
        exp: now() + 600,
      }),
      unmappedClient: await mint(rsa, { azp: randomUUID() }),
      garbage: 'eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln',
    };
    for (const [name, token] of Object.entries(tokens)) {
      expect({ name, ...refusal(await listJobs(token)) }).toEqual({ name, ...badKey });
    }
  });

  it('an unknown kid is refused, and accepted once the key appears (after a refresh)', async () => {
    const next = await issuer.addKey('ES256', false);
    const token = await mint(next);
    expect((await listJobs(token)).statusCode).toBe(401);
    issuer.publish(next);
    await waitFor('the new key to be fetched', async () =>
      (await listJobs(token)).statusCode === 200 ? true : undefined,
    );
  });

  it('a key removed from the JWKS stops working once the keys are refreshed', async () => {
    const leaving = await issuer.addKey('RS256');
    const token = await mint(leaving);
    await waitFor('the new key to be fetched', async () =>
      (await listJobs(token)).statusCode === 200 ? true : undefined,
    );
    issuer.withdraw(leaving);
    await waitFor('the withdrawn key to be dropped', async () =>
      (await listJobs(token)).statusCode === 401 ? true : undefined,
    );
  });

  it('a multi-tenant issuer: the tenant in iss must be the token tid, and mapped', async () => {
    const tid = randomUUID();
    const multi = randomUUID();
    await addClient(t.db, {
      role: 'operator',
      operatorSlug: tenant.operator.slug,
      issuer: issuer.template,
      clientId: multi,
      tenantId: tid,
    });
    const token = (tenantId: string, tidClaim = tenantId) =>
      mint(rsa, {
        iss: issuer.tenantIssuer(tenantId),
        tid: tidClaim,
        azp: undefined,
        appid: multi,
      });
    expect((await listJobs(await token(tid))).statusCode).toBe(200);
    expect((await listJobs(await token(tid, randomUUID()))).statusCode).toBe(401);
    expect((await listJobs(await token(randomUUID()))).statusCode).toBe(401);
  });
});
