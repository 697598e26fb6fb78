import { inArray, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { jobs } from '../../src/db/tables.ts';
import { type TestApp, useAppsDatabase } from '../support/app.ts';
import { createMarkedNumbers, createTenant } from '../support/factories.ts';
import { waitFor } from '../support/wait.ts';

// The workers' limiter must never delay work the API admitted. The API's fixed window lets
// twice its budget through across a window boundary, on every operation endpoint (each has its own
// budget, all feed one queue); all of it must be processed within the sync wait. A short window
// and sync wait make a limiter sized like one endpoint's budget bite.

const URLS = [
  '/api/v3/oc/numbers/action/ready-for-removal',
  '/api/v3/oc/action/clear-removal-status',
] as const;
const BUDGET = 10;
// A limiter sized like one endpoint's budget (3 × BUDGET per window) would hold a third of the
// burst until its window ends, 6.5 s or more after the boundary: well past the sync wait, which
// still leaves a loaded machine seconds to process 40 one-number jobs.
const WINDOW_MS = 8000;
const SYNC_WAIT_MS = 5000;
const t = useAppsDatabase();
const prefix = t.prefix('worker-limiter');
let api: TestApp;
let tenant: Awaited<ReturnType<typeof createTenant>>;

beforeAll(async () => {
  api = await t.app(
    prefix,
    {
      RATE_LIMIT_MAX: String(BUDGET),
      RATE_LIMIT_WINDOW_MS: String(WINDOW_MS),
      SYNC_WAIT_MS: String(SYNC_WAIT_MS),
    },
    { worker: true },
  );
  tenant = await createTenant(t.db);
});

/** Milliseconds left in the API's current rate-limit window, by Redis' clock as the API counts. */
async function windowLeftMs(): Promise<{ window: number; leftMs: number }> {
  const [seconds, micros] = await api.deps.redis.time();
  const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  return { window: Math.floor(nowMs / WINDOW_MS), leftMs: WINDOW_MS - (nowMs % WINDOW_MS) };
}

const submit = (url: string, number: string, prefer?: string) =>
  api.app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${tenant.apiKey.key}`, ...(prefer && { prefer }) },
    payload: { telephoneNumbers: [number] },
  });

describe('worker limiter', () => {
  it("by default, processes a burst of twice every endpoint's budget across a window boundary within the sync wait", async () => {
    const numbers = await createMarkedNumbers(t.db, tenant, 2 * BUDGET * URLS.length);
    // Each endpoint's budget in full, one request per number.
    const spend = (batch: 0 | 1, prefer?: string) =>
      URLS.flatMap((url, u) => {
        const from = (batch * URLS.length + u) * BUDGET;
        return numbers.slice(from, from + BUDGET).map((n) => submit(url, n, prefer));
      });
    // The end of one window: the whole budget, queued at once.
    const late = await waitFor(
      'the last second of a window',
      async () => {
        const w = await windowLeftMs();
        return w.leftMs < 1500 && w.leftMs > 500 ? w : undefined;
      },
      2 * WINDOW_MS,
    );
    const first = await Promise.all(spend(0, 'respond-async'));
    expect(first.map((r) => r.statusCode)).toEqual(Array(BUDGET * URLS.length).fill(202));
    // The start of the next window: the whole budget again, each request waiting for its result.
    await waitFor('the next window', async () =>
      (await windowLeftMs()).window > late.window ? true : undefined,
    );
    const second = await Promise.all(spend(1));
    expect(second.map((r) => r.statusCode)).toEqual(Array(BUDGET * URLS.length).fill(200));

    const ids = [...first, ...second].map((r) => {
      const body = r.json();
      return (body.jobId ?? body.data.jobId) as string;
    });
    const rows = await waitFor('every job to complete', async () => {
      const found = await t.db
        .select({
          state: jobs.state,
          spanMs: sql<number>`extract(epoch from (${jobs.finishedAt} - ${jobs.createdAt})) * 1000`,
        })
        .from(jobs)
        .where(inArray(jobs.id, ids));
      return found.every((j) => j.state === 'completed') ? found : undefined;
    });
    expect(rows).toHaveLength(2 * BUDGET * URLS.length);
    for (const row of rows) expect(Number(row.spanMs)).toBeLessThan(SYNC_WAIT_MS);
  });

  it('refuses a limiter that would delay admitted work, such as one sized like one endpoint budget', () => {
    const settings = {
      RATE_LIMIT_MAX: '300',
      RATE_LIMIT_WINDOW_MS: '60000',
      WORKER_LIMITER_MAX: '300',
      WORKER_LIMITER_DURATION_MS: '60000',
    };
    expect(() => loadConfig(settings)).toThrow(ConfigError);
    expect(() => loadConfig(settings)).toThrow(/WORKER_LIMITER_MAX.*would delay admitted work/);
    expect(
      loadConfig({ ...settings, WORKER_LIMITER_MAX: '', WORKER_LIMITER_DURATION_MS: '' }).worker
        .limiter,
    ).toEqual({
      // Three budgets per operation endpoint: 3 × 300 × 2.
      max: 1800,
      durationMs: 60_000,
    });
    // Numbers per second work too, as long as the burst (2 × 300 × 2 = 1,200 jobs) fits in the
    // 30 s sync wait.
    expect(
      loadConfig({ ...settings, WORKER_LIMITER_MAX: '40', WORKER_LIMITER_DURATION_MS: '1000' })
        .worker.limiter,
    ).toEqual({ max: 40, durationMs: 1000 });
    expect(() =>
      loadConfig({ ...settings, WORKER_LIMITER_MAX: '39', WORKER_LIMITER_DURATION_MS: '1000' }),
    ).toThrow(ConfigError);
  });
});
