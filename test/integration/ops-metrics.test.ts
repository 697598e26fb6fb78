import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../../src/db/tables.ts';
import {
  createJobMetricsObserver,
  createMetricsRegistry,
  startMetricsServer,
} from '../../src/metrics/index.ts';
import { basic } from '../support/app.ts';

import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createApiKey, createTenant } from '../support/factories.ts';
import { buildOpsHarness, type OpsHarness } from '../support/ops-harness.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';

const BASIC = { BULL_BOARD_USER: 'ops', BULL_BOARD_PASSWORD: 's3cret-pass' };

/** The value of one sample line, e.g. `ocn_jobs{state="completed"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  let database: TestDatabase;
  const prefix = uniquePrefix('ops-metrics');
  let h: OpsHarness;
  let adminKey: string;
  let operatorKey: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    h = await buildOpsHarness(database, prefix, BASIC);
    const tenant = await createTenant(database.db);
    operatorKey = tenant.apiKey.key;
    adminKey = (await createApiKey(database.db, tenant.operator.id, { role: 'admin' })).key;
    const base = { operatorId: tenant.operator.id, telephoneNumbers: ['+12065550100'] };
    await database.db.insert(jobs).values([
      { ...base, id: randomUUID(), requestedCount: 1, state: 'queued' },
      {
        ...base,
        id: randomUUID(),
        requestedCount: 4,
        processedCount: 4,
        successCount: 3,
        state: 'completed',
      },
      {
        ...base,
        id: randomUUID(),
        requestedCount: 2,
        processedCount: 2,
        successCount: 2,
        state: 'completed',
      },
    ]);
    await h.deps.queue.add('ready-for-removal', {
      jobId: randomUUID(),
      operatorId: tenant.operator.id,
    });
  });
  afterAll(async () => {
    await h?.close();
    await database?.drop();
    await deletePrefix(prefix);
  });

  const scrape = (authorization?: string) =>
    h.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: authorization ? { authorization } : {},
    });

  it('asks for credentials without any, with a Basic challenge', async () => {
    const res = await scrape();
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toContain('Basic realm="oc-numbers-admin"');
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 401, errorCode: 'UNAUTHORIZED' });
  });

  it('refuses wrong Basic credentials and unknown keys', async () => {
    expect((await scrape(basic('ops', 'wrong'))).statusCode).toBe(401);
    expect((await scrape(basic('someone', 's3cret-pass'))).statusCode).toBe(401);
    expect((await scrape('Bearer ocn_not_a_real_key')).statusCode).toBe(401);
  });

  it('forbids an operator key', async () => {
    const res = await scrape(`Bearer ${operatorKey}`);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ status: 403, errorCode: 'FORBIDDEN' });
  });

  it('serves Prometheus text to an admin key and to the Basic credentials', async () => {
    await h.app.inject({ method: 'GET', url: '/health/live' });
    await h.app.inject({ method: 'GET', url: '/no/such/route/123' });
    const res = await scrape(`Bearer ${adminKey}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = res.body;
    // HTTP by route template (never the raw URL), process metrics, state read at scrape time.
    expect(
      sample(text, 'ocn_http_requests_total{method="GET",route="/health/live",status_code="200"}'),
    ).toBe(1);
    expect(
      sample(text, 'ocn_http_requests_total{method="GET",route="unmatched",status_code="404"}'),
    ).toBe(1);
    expect(text).not.toContain('/no/such/route');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(sample(text, 'ocn_jobs{state="queued"}')).toBe(1);
    expect(sample(text, 'ocn_jobs{state="completed"}')).toBe(2);
    expect(sample(text, 'ocn_jobs{state="failed"}')).toBe(0);
    expect(sample(text, 'ocn_job_numbers{result="succeeded"}')).toBe(5);
    expect(sample(text, 'ocn_job_numbers{result="failed"}')).toBe(1);
    expect(sample(text, 'ocn_queue_jobs{state="waiting"}')).toBe(1);
    expect(sample(text, 'ocn_queue_jobs{state="active"}')).toBe(0);

    const viaBasic = await scrape(basic('ops', 's3cret-pass'));
    expect(viaBasic.statusCode).toBe(200);
    // The earlier 401 and 403 answers are counted too.
    expect(
      sample(
        viaBasic.body,
        'ocn_http_requests_total{method="GET",route="/metrics",status_code="403"}',
      ),
    ).toBe(1);
  });

  it('counts 429 answers as rate-limit rejections, by route', async () => {
    // Own prefix: a fresh failure budget, untouched by the earlier tests' 401s.
    const limited = await buildOpsHarness(database, `${prefix}-rl`, {
      AUTH_FAILURE_LIMIT_MAX: '1',
    });
    try {
      const scrape = (key: string, remoteAddress = '127.0.0.1') =>
        limited.app.inject({
          url: '/metrics',
          remoteAddress,
          headers: { authorization: `Bearer ${key}` },
        });
      const unknown = `ocn_${'A'.repeat(43)}`;
      expect((await scrape(unknown)).statusCode).toBe(401);
      expect((await scrape(unknown)).statusCode).toBe(429);
      expect((await scrape(unknown)).statusCode).toBe(429);
      // Only failures are refused: a valid admin key from the spent client gets in.
      const res = await scrape(adminKey);
      expect(res.statusCode).toBe(200);
      expect(sample(res.body, 'ocn_rate_limit_rejections_total{route="/metrics"}')).toBe(2);
    } finally {
      await limited.close();
      await deletePrefix(`${prefix}-rl`);
    }
  });

  it('records job metrics from the worker observer, and serves them on a worker-only port', async () => {
    const registry = createMetricsRegistry();
    const observer = createJobMetricsObserver(registry);
    // The same registry may be handed to both the app and the worker: no double registration.
    createJobMetricsObserver(registry);
    observer.chunkCommitted('ready-for-removal', { SUCCEEDED: 3, INVALID_STATUS: 1 }, 8);
    observer.chunkCommitted('ready-for-removal', { SUCCEEDED: 2 }, 1);
    observer.jobEnded('completed', 1500);
    const server = await startMetricsServer(registry, { port: 0, host: '127.0.0.1' });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      const processed = (outcome: string) =>
        sample(
          text,
          `ocn_numbers_processed_total{operation="ready-for-removal",outcome="${outcome}"}`,
        );
      expect(processed('SUCCEEDED')).toBe(5);
      expect(processed('INVALID_STATUS')).toBe(1);
      expect(processed('NUMBER_NOT_FOUND')).toBe(0);
      expect(sample(text, 'ocn_number_latency_seconds_count')).toBe(6);
      expect(sample(text, 'ocn_number_latency_seconds_sum')).toBeCloseTo(0.009, 6);
      expect(sample(text, 'ocn_jobs_ended_total{state="completed"}')).toBe(1);
      expect(sample(text, 'ocn_job_duration_seconds_bucket{le="2.5",state="completed"}')).toBe(1);
      expect(sample(text, 'ocn_job_duration_seconds_bucket{le="1",state="completed"}')).toBe(0);
      expect((await fetch(`http://127.0.0.1:${server.port}/health/live`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
