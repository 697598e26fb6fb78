import { describe, expect, it } from 'vitest';
import { basic, randomKey, useAppsDatabase } from '../support/app.ts';
import { createApiKey, createTenant } from '../support/factories.ts';
import { buildOpsHarness } from '../support/ops-harness.ts';
import { startPrivateRedis } from '../support/redis-server.ts';
import { waitFor } from '../support/wait.ts';

// The failed-authentication budget without its Redis: the process counts failures itself, so
// an outage neither opens an unlimited guessing oracle nor locks the password out.

const t = useAppsDatabase();

describe('without Redis (the process keeps the budget)', () => {
  it('checks keys and passwords, counting failures locally until the budget is spent', async () => {
    const ops = await buildOpsHarness(
      t,
      t.prefix('guess-noredis'),
      { BULL_BOARD_USER: 'ops', BULL_BOARD_PASSWORD: 'board-pass', AUTH_FAILURE_LIMIT_MAX: '2' },
      { redisUrl: 'redis://127.0.0.1:1' },
    );
    const api = await t.app(t.prefix('guess-noredis-api'), {
      AUTH_FAILURE_LIMIT_MAX: '2',
    });
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
      t.prefix('guess-redis-stop'),
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
