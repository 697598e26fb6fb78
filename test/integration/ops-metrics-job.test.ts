import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { jobs } from '../../src/db/tables.ts';
import { createMetricsRegistry } from '../../src/metrics/registry.ts';
import { useApiSuite } from '../support/app.ts';
import { uniqueE164 } from '../support/factories.ts';
import { buildOpsHarness } from '../support/ops-harness.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { insertJob } from '../support/worker-jobs.ts';

// The metrics the dashboard and the alert rules read (deploy/), after real jobs: the real API
// and a real worker sharing one registry, as `npm start` runs them.

const BOARD = { BULL_BOARD_USER: 'ops', BULL_BOARD_PASSWORD: 'metrics-job-pass' };
const BASIC = `Basic ${Buffer.from('ops:metrics-job-pass').toString('base64')}`;
const READY_URL = '/api/v3/oc/numbers/action/ready-for-removal';
const CLEAR_URL = '/api/v3/oc/action/clear-removal-status';

const suite = useApiSuite(
  'ops-metrics-job',
  { ...BOARD, WORKER_CHUNK_SIZE: '2', SYNC_WAIT_MS: '20000' },
  { worker: true, metricsRegistry: createMetricsRegistry() },
);

/** The value of one sample line, e.g. `ocn_ready{check="redis"}`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(app = suite.api.app): Promise<string> {
  const res = await app.inject({ url: '/metrics', headers: { authorization: BASIC } });
  expect(res.statusCode).toBe(200);
  return res.body;
}

describe('job metrics by operation, after real jobs', () => {
  it('counts numbers by operation and outcome, and times every chunk transaction', async () => {
    // 5 marked + 1 unknown in chunks of 2: three chunks; then 3 cleared: two chunks.
    const confirmed = await suite.marked(5);
    const ready = await suite.post(READY_URL, { telephoneNumbers: [...confirmed, uniqueE164()] });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().data).toMatchObject({ successCount: 5, failedCount: 1 });
    const cleared = await suite.post(CLEAR_URL, { telephoneNumbers: await suite.marked(3) });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json().data).toMatchObject({ successCount: 3, failedCount: 0 });

    const text = await scrape();
    const processed = (operation: string, outcome: string) =>
      sample(text, `ocn_numbers_processed_total{operation="${operation}",outcome="${outcome}"}`);
    expect(processed('ready-for-removal', 'SUCCEEDED')).toBe(5);
    expect(processed('ready-for-removal', 'NUMBER_NOT_FOUND')).toBe(1);
    expect(processed('clear-removal-status', 'SUCCEEDED')).toBe(3);
    // Every combination is there from the start, at 0.
    expect(processed('clear-removal-status', 'INVALID_STATUS')).toBe(0);

    const chunks = (operation: string) =>
      sample(text, `ocn_chunk_duration_seconds_count{operation="${operation}"}`);
    expect(chunks('ready-for-removal')).toBe(3);
    expect(chunks('clear-removal-status')).toBe(2);
    expect(
      sample(text, 'ocn_chunk_duration_seconds_bucket{le="+Inf",operation="ready-for-removal"}'),
    ).toBe(3);
    expect(
      sample(text, 'ocn_chunk_duration_seconds_sum{operation="ready-for-removal"}'),
    ).toBeGreaterThan(0);

    expect(sample(text, 'ocn_jobs_ended_total{state="completed"}')).toBe(2);
    // A failure counter present at 0 before any failure, so increase() sees the first one.
    expect(sample(text, 'ocn_jobs_ended_total{state="failed"}')).toBe(0);
  });
});

describe('backlog age against the sync wait', () => {
  it('is 0 with nothing waiting, and the age of the oldest queued job otherwise', async () => {
    let text = await scrape();
    expect(sample(text, 'ocn_sync_wait_seconds')).toBe(20);
    expect(sample(text, 'ocn_oldest_queued_job_seconds')).toBe(0);

    // Queued in Postgres and never enqueued (no recovery sweep here): it waits for ever.
    const older = await insertJob(suite.t.db, {
      operatorId: suite.tenant.operator.id,
      numbers: await suite.marked(1),
    });
    const newer = await insertJob(suite.t.db, {
      operatorId: suite.tenant.operator.id,
      numbers: await suite.marked(1),
    });
    await suite.t.db
      .update(jobs)
      .set({ createdAt: sql`now() - interval '90 seconds'` })
      .where(eq(jobs.id, older.id));
    // An older job that already started is not waiting.
    await suite.t.db
      .update(jobs)
      .set({ state: 'active', createdAt: sql`now() - interval '1 hour'` })
      .where(eq(jobs.id, newer.id));

    text = await scrape();
    const age = sample(text, 'ocn_oldest_queued_job_seconds');
    expect(age).toBeGreaterThanOrEqual(90);
    expect(age).toBeLessThan(120);
  });
});

describe('readiness as a gauge', () => {
  it('is 1 for each check of /health/ready while it passes', async () => {
    const text = await scrape();
    expect(sample(text, 'ocn_ready{check="postgres"}')).toBe(1);
    expect(sample(text, 'ocn_ready{check="redis"}')).toBe(1);
  });

  it('is 0 for a store that does not answer, while the scrape itself still works', async () => {
    const prefix = uniquePrefix('ops-metrics-job-down');
    // Port 1 refuses connections: the request-path Redis client fails at once.
    const harness = await buildOpsHarness(suite.t, prefix, BOARD, {
      redisUrl: 'redis://127.0.0.1:1',
    });
    try {
      const text = await scrape(harness.app);
      expect(sample(text, 'ocn_ready{check="redis"}')).toBe(0);
      expect(sample(text, 'ocn_ready{check="postgres"}')).toBe(1);
    } finally {
      await harness.close();
      await deletePrefix(prefix);
    }
  });
});
