import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../../src/db/tables.ts';
import { bearer, postJson, type Tenant, useApiSuite } from '../support/app.ts';
import { createTenant } from '../support/factories.ts';

// Each operator's share of the endpoint budget (docs/api.md, "Rate limit"): a request must fit
// both the global budget and its operator's share; one refused by either spends neither.

const URL = '/api/v3/oc/numbers/action/ready-for-removal';
const suite = useApiSuite(
  'api-rl-op',
  { RATE_LIMIT_MAX: '6', RATE_LIMIT_OPERATOR_MAX: '4', RATE_LIMIT_WINDOW_MS: '600000' },
  { worker: false },
);
const tenants: Tenant[] = [];
beforeAll(async () => {
  tenants.push(suite.tenant, await createTenant(suite.t.db), await createTenant(suite.t.db));
});

const CLEAR_URL = '/api/v3/oc/action/clear-removal-status';

const submit = (tenant: number, url = URL) =>
  postJson(
    suite.api,
    bearer(tenants[tenant]?.apiKey.key ?? ''),
    url,
    { telephoneNumbers: ['+14255551212'] },
    { prefer: 'respond-async' },
  );

/** `{ global, operator }` remaining, from the RateLimit field. */
function remaining(res: { headers: Record<string, unknown> }) {
  const field = String(res.headers.ratelimit);
  const match = /^"global";r=(\d+);t=(\d+), "operator";r=(\d+);t=(\d+)$/.exec(field);
  if (!match) throw new Error(`unexpected RateLimit: ${field}`);
  return { global: Number(match[1]), operator: Number(match[3]) };
}

const jobsOf = async (tenant: number) => {
  const [row] = await suite.t.db
    .select({ n: sql<number>`count(*)::int` })
    .from(jobs)
    .where(eq(jobs.operatorId, tenants[tenant]?.operator.id as string));
  return row?.n;
};

describe('per-operator share of the budget', () => {
  it('caps one operator at its share, without spending the global budget on refusals', async () => {
    for (let i = 1; i <= 4; i++) {
      const res = await submit(0);
      expect(res.statusCode).toBe(202);
      expect(res.headers['ratelimit-policy']).toBe('"global";q=6;w=600, "operator";q=4;w=600');
      expect(remaining(res)).toEqual({ global: 6 - i, operator: 4 - i });
    }
    for (let i = 0; i < 3; i++) {
      const over = await submit(0);
      expect(over.statusCode).toBe(429);
      expect(over.json()).toMatchObject({
        errorCode: 'RATE_LIMITED',
        detail: "This operator's share of the endpoint budget is spent; retry later",
      });
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      expect(remaining(over)).toEqual({ global: 2, operator: 0 });
    }
    expect(await jobsOf(0)).toBe(4);
  });

  it('says when the global budget is the one spent', async () => {
    expect(remaining(await submit(1))).toEqual({ global: 1, operator: 3 });
    expect(remaining(await submit(1))).toEqual({ global: 0, operator: 2 });
    for (const tenant of [1, 2]) {
      const over = await submit(tenant);
      expect(over.statusCode).toBe(429);
      expect(over.json()).toMatchObject({
        detail: 'The global budget of this endpoint is spent; retry later',
      });
      expect(remaining(over)).toEqual({ global: 0, operator: tenant === 1 ? 2 : 4 });
    }
    expect(await jobsOf(1)).toBe(2);
    expect(await jobsOf(2)).toBe(0);
  });

  it('gives clear-removal-status its own global budget and operator shares', async () => {
    // Ready-for-removal is spent (above); the other operation's budgets are untouched.
    expect((await submit(0)).statusCode).toBe(429);
    for (let i = 1; i <= 4; i++) {
      const res = await submit(0, CLEAR_URL);
      expect(res.statusCode).toBe(202);
      expect(remaining(res)).toEqual({ global: 6 - i, operator: 4 - i });
    }
    const over = await submit(0, CLEAR_URL);
    expect(over.statusCode).toBe(429);
    expect(over.json()).toMatchObject({
      detail: "This operator's share of the endpoint budget is spent; retry later",
    });
    expect(remaining(await submit(1, CLEAR_URL))).toEqual({ global: 1, operator: 3 });
  });
});
