import { inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { jobs } from '../../src/db/schema.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createMarkedNumbers, createTenant } from '../support/factories.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { waitFor } from '../support/wait.ts';

// The workers' limiter must never delay work the API admitted. The API's fixed window lets
// twice its budget through across a window boundary; all of it must be processed within the
// sync wait. A short window and sync wait make a limiter sized like the API budget bite.

const URL = '/api/v3/oc/numbers/action/ready-for-removal';
const BUDGET = 10;
const WINDOW_MS = 6000;
const SYNC_WAIT_MS = 3000;
const prefix = uniquePrefix('worker-limiter');
let t: TestDatabase;
let api: TestApp;
let tenant: Awaited<ReturnType<typeof createTenant>>;

beforeAll(async () => {
  t = await createTestDatabase();
  api = await startTestApp(
    t,
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
afterAll(async () => {
  await api?.close();
  await t?.drop();
  await deletePrefix(prefix);
});

/** Milliseconds left in the API's current rate-limit window, by Redis' clock as the API counts. */
async function windowLeftMs(): Promise<{ window: number; leftMs: number }> {
  const [seconds, micros] = await api.deps.redis.time();
  const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  return { window: Math.floor(nowMs / WINDOW_MS), leftMs: WINDOW_MS - (nowMs % WINDOW_MS) };
}

const submit = (number: string, prefer?: string) =>
  api.app.inject({
    method: 'POST',
    url: URL,
    headers: { authorization: `Bearer ${tenant.apiKey.key}`, ...(prefer && { prefer }) },
    payload: { telephoneNumbers: [number] },
  });

describe('worker limiter', () => {
  it('by default, processes a burst of twice the budget across a window boundary within the sync wait', async () => {
    const numbers = await createMarkedNumbers(t.db, tenant, 2 * BUDGET);
    // The end of one window: the whole budget, queued at once.
    const late = await waitFor(
      'the last second of a window',
      async () => {
        const w = await windowLeftMs();
        return w.leftMs < 1500 && w.leftMs > 500 ? w : undefined;
      },
      2 * WINDOW_MS,
    );
    const first = await Promise.all(
      numbers.slice(0, BUDGET).map((n) => submit(n, 'respond-async')),
    );
    expect(first.map((r) => r.statusCode)).toEqual(Array(BUDGET).fill(202));
    // The start of the next window: the whole budget again, each request waiting for its result.
    await waitFor('the next window', async () =>
      (await windowLeftMs()).window > late.window ? true : undefined,
    );
    const second = await Promise.all(numbers.slice(BUDGET).map((n) => submit(n)));
    expect(second.map((r) => r.statusCode)).toEqual(Array(BUDGET).fill(200));

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
    expect(rows).toHaveLength(2 * BUDGET);
    for (const row of rows) expect(Number(row.spanMs)).toBeLessThan(SYNC_WAIT_MS);
  });

  it('refuses a limiter that would delay admitted work, such as one sized like the API budget', () => {
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
      max: 900,
      durationMs: 60_000,
    });
    // Numbers per second work too, as long as the burst fits in the sync wait.
    expect(
      loadConfig({ ...settings, WORKER_LIMITER_MAX: '20', WORKER_LIMITER_DURATION_MS: '1000' })
        .worker.limiter,
    ).toEqual({ max: 20, durationMs: 1000 });
    expect(() =>
      loadConfig({ ...settings, WORKER_LIMITER_MAX: '19', WORKER_LIMITER_DURATION_MS: '1000' }),
    ).toThrow(ConfigError);
  });
});
