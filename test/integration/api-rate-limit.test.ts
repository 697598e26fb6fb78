import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { closeDb } from '../../src/db/client.ts';
import { jobs } from '../../src/db/tables.ts';
import { type TestApp, useAppsDatabase } from '../support/app.ts';
import { createTenant } from '../support/factories.ts';

// The rate limit (docs/api.md, "Rate limit"): one global budget in Redis, shared by every API instance. Two app instances on
// one database and prefix stand for two API processes. The window is long so that the test
// never straddles two windows.

const URL = '/api/v3/oc/numbers/action/ready-for-removal';
const t = useAppsDatabase();
const prefix = t.prefix('api-rl');
const settings = { RATE_LIMIT_WINDOW_MS: '600000', AUTH_FAILURE_LIMIT_MAX: '5' };
let a: TestApp;
let b: TestApp;
let operatorId: string;
let auth: { authorization: string };

beforeAll(async () => {
  a = await t.app(prefix, settings);
  b = await t.app(prefix, settings);
  const tenant = await createTenant(t.db);
  operatorId = tenant.operator.id;
  auth = { authorization: `Bearer ${tenant.apiKey.key}` };
});

const POLICY = '"global";q=300;w=600, "operator";q=300;w=600';
const retryAfterOf = (res: { headers: Record<string, unknown> }) =>
  /;t=(\d+)/.exec(String(res.headers.ratelimit))?.[1];

const submit = (api: TestApp, headers: Record<string, string> = auth, ip = '127.0.0.1') =>
  api.app.inject({
    method: 'POST',
    url: URL,
    remoteAddress: ip,
    headers: { ...headers, prefer: 'respond-async' },
    payload: { telephoneNumbers: ['+14255551212'] },
  });

describe('global rate limit', () => {
  it('failed authentication does not spend the operators budget, and has its own per-IP limit', async () => {
    const bad = { authorization: 'Bearer ocn_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' };
    for (let i = 1; i <= 5; i++) {
      const res = await submit(i % 2 ? a : b, bad, '10.0.0.1');
      expect(res.statusCode).toBe(401);
      expect(res.headers.ratelimit).toMatch(new RegExp(`^"auth-failures";r=${5 - i};t=\\d+$`));
    }
    const blocked = await submit(a, bad, '10.0.0.1');
    expect(blocked.statusCode).toBe(429);
    expect(JSON.parse(blocked.body)).toMatchObject({ errorCode: 'RATE_LIMITED', status: 429 });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Another client is not affected, and only failures are refused: a valid key from the spent
    // client still gets in (a read here, so the endpoint budget below stays untouched).
    expect((await submit(b, bad, '10.0.0.2')).statusCode).toBe(401);
    const read = await b.app.inject({
      method: 'GET',
      url: '/api/v3/oc/numbers/jobs',
      remoteAddress: '10.0.0.1',
      headers: auth,
    });
    expect(read.statusCode).toBe(200);
    const valid = await submit(a, auth, '10.0.0.2');
    expect(valid.statusCode).toBe(202);
    expect(valid.headers.ratelimit).toBe(
      `"global";r=299;t=${retryAfterOf(valid)}, "operator";r=299;t=${retryAfterOf(valid)}`,
    );
  });

  it('answers the 301st request of a window with 429, across two instances, and queues nothing for it', async () => {
    // One request was spent above; 299 more, in parallel batches alternating between the
    // instances. Each answer says how much budget it left: together, every value once.
    const remaining: number[] = [];
    for (let sent = 1; sent < 300; ) {
      const batch = Math.min(25, 300 - sent);
      const answers = await Promise.all(
        Array.from({ length: batch }, (_, k) => submit((sent + k) % 2 ? a : b)),
      );
      for (const res of answers) {
        expect(res.statusCode).toBe(202);
        expect(res.headers['ratelimit-policy']).toBe(POLICY);
        const match = /^"global";r=(\d+);t=\d+, "operator";r=\d+;t=\d+$/.exec(
          String(res.headers.ratelimit),
        );
        remaining.push(Number(match?.[1]));
      }
      sent += batch;
    }
    expect(remaining.sort((x, y) => x - y)).toEqual(Array.from({ length: 299 }, (_, i) => i));
    const over = await submit(b);
    expect(over.statusCode).toBe(429);
    expect(over.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    const { errorTicket, traceId, ...problem } = JSON.parse(over.body);
    expect(problem).toEqual({
      type: 'urn:oc-numbers:problem:rate-limited',
      title: 'Too many requests',
      status: 429,
      detail: 'The global budget of this endpoint is spent; retry later',
      instance: URL,
      errorCode: 'RATE_LIMITED',
    });
    const retryAfter = Number(over.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(over.headers['ratelimit-policy']).toBe(POLICY);
    expect(over.headers.ratelimit).toBe(
      `"global";r=0;t=${retryAfter}, "operator";r=0;t=${retryAfter}`,
    );
    expect((await submit(a)).statusCode).toBe(429);

    const [row] = await t.db
      .select({ n: sql<number>`count(*)::int` })
      .from(jobs)
      .where(eq(jobs.operatorId, operatorId));
    expect(row?.n).toBe(300);
    expect(await a.deps.queue.count()).toBe(300);
  });

  it('gives clear-removal-status its own budget: open while ready-for-removal is spent', async () => {
    expect((await submit(a)).statusCode).toBe(429);
    const clear = await a.app.inject({
      method: 'POST',
      url: '/api/v3/oc/action/clear-removal-status',
      headers: { ...auth, prefer: 'respond-async' },
      payload: { telephoneNumbers: ['+14255551212'] },
    });
    expect(clear.statusCode).toBe(202);
    expect(clear.headers['ratelimit-policy']).toBe(POLICY);
    expect(clear.headers.ratelimit).toMatch(/^"global";r=299;t=\d+, "operator";r=299;t=\d+$/);
  });

  it('job routes are outside the endpoint budget', async () => {
    const res = await a.app.inject({
      method: 'GET',
      url: '/api/v3/oc/numbers/jobs',
      headers: auth,
    });
    expect(res.statusCode).toBe(200);
  });

  it('answers 503 SERVICE_UNAVAILABLE with Retry-After when Redis is unreachable', async () => {
    b.deps.redis.disconnect();
    const res = await submit(b);
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(JSON.parse(res.body)).toMatchObject({
      errorCode: 'SERVICE_UNAVAILABLE',
      detail: 'Rate limiting is unavailable; retry later',
    });
    expect(res.body).not.toMatch(/redis|ECONN|stream/i);
  });

  it('answers 503 SERVICE_UNAVAILABLE with Retry-After when Postgres is unreachable', async () => {
    await closeDb(a.deps.db);
    const res = await a.app.inject({
      method: 'GET',
      url: '/api/v3/oc/numbers/jobs/00000000-0000-4000-8000-000000000000',
      headers: auth,
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(JSON.parse(res.body)).toMatchObject({ errorCode: 'SERVICE_UNAVAILABLE', status: 503 });
    expect(res.body).not.toMatch(/postgres|CONNECTION|select/i);
  });
});
