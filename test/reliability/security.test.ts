import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusChanges } from '../../src/numbers/status-changes.ts';
import type { OpenApiDocument } from '../contract/document.ts';
import { createApiKey, createNumbers, uniqueE164 } from '../support/factories.ts';
import { waitForJobsEnded } from '../support/invariants.ts';
import { idRequests } from '../support/job-routes.ts';
import { assertProblemAnswers, type Client, problemShape } from '../support/scenario/http.ts';
import { lockNumber, workerBackendsWaitingOnLock } from '../support/scenario/row-lock.ts';
import { checkWorld, type Scenario, startScenario } from '../support/scenario/scenario.ts';
import { secretsInDatabase, secretsInRedis } from '../support/scenario/secrets.ts';
import { submitAsync } from '../support/scenario/submit.ts';
import {
  adminKey,
  disabledWebhookEndpoint,
  ENDPOINT,
  JOBS,
  tenantWithNumbers,
} from '../support/scenario/tenants.ts';
import { waitFor } from '../support/wait.ts';

// Security: tenant isolation, one 401 for every bad key, admin surfaces closed to
// anonymous and operator callers, helmet headers, and no plaintext key anywhere at rest.
// (Another operator's cursor: test/integration/api-cursors.test.ts.)

let world: Scenario;
let client: Client;
let a: Awaited<ReturnType<typeof tenantWithNumbers>>;
let b: Awaited<ReturnType<typeof tenantWithNumbers>>;
let document: OpenApiDocument;
const keysSeen: string[] = [];

beforeAll(async () => {
  const env = {
    BULL_BOARD_USER: 'ops',
    BULL_BOARD_PASSWORD: 'board-secret-pass',
    AUTH_FAILURE_LIMIT_MAX: '100000',
    RATE_LIMIT_MAX: '100000',
  };
  const started = await startScenario('rel-sec', env, { apis: 1, workers: 1 });
  world = started.world;
  [client] = started.clients;
  a = await tenantWithNumbers(world.db.db, 120);
  b = await tenantWithNumbers(world.db.db, 20);
  keysSeen.push(a.key, b.key);
  // The routes to try come from the document the API serves: a new one is tried by being there.
  document = (await client.request('GET', '/openapi.json')).json as OpenApiDocument;
});

describe('tenant isolation', () => {
  it("answers another operator's job and number exactly like missing ones, and leaves them alone", async () => {
    // A's job stops mid-way on a row lock, so B's cancel would have something to cancel.
    const lock = await lockNumber(world.db.url, a.numbers[60] as string);
    const jobId = await submitAsync(client, a.key, a.numbers);
    try {
      await waitFor('the job to wait mid-way', async () =>
        (await workerBackendsWaitingOnLock(world.db.sql)).length > 0 ? true : undefined,
      );
      const endpointId = await disabledWebhookEndpoint(client, a.key);
      const theirs = idRequests(document, {
        jobId,
        telephoneNumber: a.numbers[0] as string,
        endpointId,
      });
      const missing = idRequests(document, {
        jobId: randomUUID(),
        telephoneNumber: uniqueE164(),
        endpointId: randomUUID(),
      });
      expect(theirs.length).toBeGreaterThanOrEqual(6);
      for (const [i, [method, path, headers, body]] of theirs.entries()) {
        const foreign = await client.request(method, path, { key: b.key, headers, body });
        const [, absentPath = ''] = missing[i] ?? [];
        const absent = await client.request(method, absentPath, { key: b.key, headers, body });
        expect({ path, status: foreign.status }).toEqual({ path, status: 404 });
        expect(problemShape(foreign)).toEqual(problemShape(absent));
      }
      const list = await client.request('GET', `${JOBS}?limit=100`, { key: b.key });
      expect(list.text).not.toContain(jobId);
      // B's PATCH, rotation and DELETE of A's endpoint changed nothing.
      const endpoint = await client.request('GET', `/api/v3/oc/webhooks/${endpointId}`, {
        key: a.key,
      });
      expect(endpoint.json).toMatchObject({ description: 'isolation probe', enabled: false });
      const [row] = await world.db.sql<{ state: string; cancel_requested_at: Date | null }[]>`
        select state, cancel_requested_at from jobs where id = ${jobId}`;
      expect(row).toEqual({ state: 'active', cancel_requested_at: null });
    } finally {
      await lock.release();
    }
    await waitForJobsEnded(world.db.sql, [jobId]);
    const done = await client.request('GET', `${JOBS}/${jobId}`, { key: a.key });
    expect(done.json).toMatchObject({ state: 'completed', progress: { successCount: 120 } });
  });

  it("reports another operator's numbers as NUMBER_NOT_FOUND and leaves them untouched", async () => {
    const before = await world.db.sql`
      select e164, status, assignable, updated_at from telephone_numbers where operator_id = ${b.operator.id} order by e164`;
    const own = await createNumbers(world.db.db, {
      operatorId: a.operator.id,
      customerId: a.customer.id,
      status: 'MarkedForRemoval',
      count: 2,
    });
    const answer = await client.request('POST', ENDPOINT, {
      key: a.key,
      body: { telephoneNumbers: [...b.numbers.slice(0, 5), ...own] },
    });
    expect(answer.status).toBe(200);
    const result = answer.json as {
      data: { successCount: number; failures: { telephoneNumber: string; errorCode: string }[] };
    };
    expect(result.data.successCount).toBe(2);
    expect(result.data.failures).toEqual(
      b.numbers
        .slice(0, 5)
        .map((n) => expect.objectContaining({ telephoneNumber: n, errorCode: 'NUMBER_NOT_FOUND' })),
    );
    const after = await world.db.sql`
      select e164, status, assignable, updated_at from telephone_numbers where operator_id = ${b.operator.id} order by e164`;
    expect(after).toEqual(before);
    const [history] = await world.db.sql<{ n: number }[]>`
      select count(*)::int as n from ${statusChanges(world.db.sql)} c
      join telephone_numbers t on t.id = c.number_id where t.operator_id = ${b.operator.id}`;
    expect(history?.n).toBe(0);
  });
});

describe('authentication', () => {
  it('gives missing, unknown, malformed and revoked keys one identical 401 on every route', async () => {
    const revoked = (await createApiKey(world.db.db, b.operator.id, { revoked: true })).key;
    const unknown = `ocn_${'A'.repeat(43)}`;
    keysSeen.push(revoked, unknown);
    const refused = 'Bearer error="invalid_token"';
    // Each credential with the challenge it gets, which says only what the client knows already
    // (RFC 6750): `Bearer` when no bearer token was sent, `error="invalid_token"` when one was
    // refused — the same for a key that never existed, a revoked one and a malformed one.
    const credentials: [string | undefined, string][] = [
      [undefined, 'Bearer'],
      ['', 'Bearer'],
      ['Bearer', 'Bearer'],
      [`Bearer ${unknown}`, refused],
      [`Bearer ${revoked}`, refused],
      [`Bearer ${a.key}x`, refused],
      [`Basic ${Buffer.from('ops:board-secret-pass').toString('base64')}`, 'Bearer'],
      [`Token ${a.key}`, 'Bearer'],
      ['Bearer \u00e9\u00e9', refused],
    ];
    const routes = [
      ['POST', ENDPOINT],
      ['GET', JOBS],
      ...idRequests(document, {
        jobId: randomUUID(),
        telephoneNumber: uniqueE164(),
        endpointId: randomUUID(),
      }).map(([m, p]) => [m, p]),
    ] as const;
    // One body everywhere.
    const shapes = new Set<string>();
    for (const [method, path] of routes) {
      for (const [authorization, challenge] of credentials) {
        const answer = await client.request(method, path, {
          headers: authorization === undefined ? {} : { authorization },
          ...(method === 'POST' &&
            path === ENDPOINT && { body: { telephoneNumbers: ['+14255551212'] } }),
        });
        expect(answer.status).toBe(401);
        const { authenticate, ...rest } = problemShape(answer);
        shapes.add(JSON.stringify(rest));
        expect({ authorization, authenticate }).toEqual({ authorization, authenticate: challenge });
      }
    }
    expect([...shapes]).toHaveLength(1);
  });

  it('closes Bull Board and /metrics to anonymous callers (401) and operator keys (403)', async () => {
    const admin = await adminKey(world.db.db, a.operator.id);
    keysSeen.push(admin);
    for (const path of [
      '/metrics',
      '/admin/queues',
      '/admin/queues/api/queues',
      '/admin/queues/api/redis/stats',
    ]) {
      expect((await client.request('GET', path)).status).toBe(401);
      expect(
        (await client.request('GET', path, { headers: { authorization: 'Basic b3BzOm5vcGU=' } }))
          .status,
      ).toBe(401);
      expect((await client.request('GET', path, { key: a.key })).status).toBe(403);
      expect((await client.request('GET', path, { key: admin })).status).toBe(200);
    }
    const put = await client.request('PUT', '/admin/queues/api/queues/pause', { key: b.key });
    expect(put.status).toBe(403);
  });
});

describe('headers and secrets', () => {
  it('sends the helmet headers on answers and errors alike', async () => {
    const answers = [
      await client.request('GET', JOBS, { key: a.key }),
      await client.request('GET', `${JOBS}/${randomUUID()}`, { key: a.key }),
      await client.request('GET', JOBS),
      await client.request('GET', '/health/live'),
      await client.request('GET', '/openapi.json'),
      await client.request('POST', ENDPOINT, {
        key: a.key,
        raw: '{',
        headers: { 'content-type': 'application/json' },
      }),
    ];
    for (const answer of answers) {
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(answer.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(answer.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
      expect(answer.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('never stores or logs an API key in plaintext', async () => {
    await waitForJobsEnded(world.db.sql);
    expect(await secretsInDatabase(world.db.sql, keysSeen)).toEqual([]);
    expect(await secretsInRedis(world.prefix, keysSeen)).toEqual([]);
    const logged = world.allLines().filter((line) => keysSeen.some((k) => line.includes(k)));
    expect(logged).toEqual([]);
    // The log lines exist (the check would be empty otherwise): requests were logged.
    expect(world.allLines().length).toBeGreaterThan(50);
  });
});

afterAll(async () => {
  if (!world) return;
  await waitForJobsEnded(world.db.sql);
  await checkWorld(world);
  assertProblemAnswers(client.answers.filter((x) => !x.path.startsWith('/admin/queues/api')));
  await world.close();
}, 90_000);
