import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createApiKey, createTenant } from '../support/factories.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('Bull Board on the real app', () => {
  let database: TestDatabase;
  const prefix = uniquePrefix('ops-board');
  let h: TestApp;
  let adminKey: string;
  let operatorKey: string;
  let operatorId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    // A budget of 1 request per window: the board must not spend or obey it.
    h = await startTestApp(database, prefix, {
      BULL_BOARD_USER: 'ops',
      BULL_BOARD_PASSWORD: 'board-pass',
      RATE_LIMIT_MAX: '1',
    });
    const tenant = await createTenant(database.db);
    operatorId = tenant.operator.id;
    operatorKey = tenant.apiKey.key;
    adminKey = (await createApiKey(database.db, operatorId, { role: 'admin' })).key;
  });
  afterAll(async () => {
    await h?.close();
    await database?.drop();
    await deletePrefix(prefix);
  });

  const get = (url: string, authorization?: string) =>
    h.app.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });

  it('asks for credentials with a Basic challenge and problem details', async () => {
    for (const url of ['/admin/queues', '/admin/queues/api/queues']) {
      const res = await get(url);
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toContain('Basic realm="oc-numbers-admin"');
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status: 401, errorCode: 'UNAUTHORIZED' });
    }
    expect((await get('/admin/queues', basic('ops', 'nope'))).statusCode).toBe(401);
  });

  it('forbids an operator key with 403 problem details', async () => {
    const res = await get('/admin/queues/api/queues', `Bearer ${operatorKey}`);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ status: 403, errorCode: 'FORBIDDEN' });
  });

  it('serves the board to an admin key and to the Basic credentials', async () => {
    const page = await get('/admin/queues', `Bearer ${adminKey}`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<title>oc-numbers</title>');
    expect((await get('/admin/queues', basic('ops', 'board-pass'))).statusCode).toBe(200);
  });

  it('shows jobs with a readable name, their progress and their result', async () => {
    const jobId = randomUUID();
    const job = await h.deps.queue.add('ready-for-removal', { jobId, operatorId }, { jobId });
    const progress = {
      requestedCount: 3,
      processedCount: 1,
      successCount: 1,
      failedCount: 0,
      percent: 33,
    };
    await job.updateProgress(progress);
    const res = await get(
      '/admin/queues/api/queues?activeQueue=ready-for-removal&status=waiting',
      basic('ops', 'board-pass'),
    );
    expect(res.statusCode).toBe(200);
    const queue = res.json().queues.find((q: { name: string }) => q.name === 'ready-for-removal');
    expect(queue.displayName).toBe('Number actions');
    const shown = queue.jobs.find((j: { id: string }) => j.id === jobId);
    expect(shown.name).toBe(`Ready for removal · 3 numbers · operator ${operatorId.slice(0, 8)}`);
    expect(shown.progress).toEqual(progress);
    await job.remove();
  });

  it('tells the operations apart by the job name', async () => {
    const jobId = randomUUID();
    const job = await h.deps.queue.add('clear-removal-status', { jobId, operatorId }, { jobId });
    const res = await get(
      '/admin/queues/api/queues?activeQueue=ready-for-removal&status=waiting',
      basic('ops', 'board-pass'),
    );
    const queue = res.json().queues.find((q: { name: string }) => q.name === 'ready-for-removal');
    const shown = queue.jobs.find((j: { id: string }) => j.id === jobId);
    expect(shown.name).toBe(`Clear removal status · operator ${operatorId.slice(0, 8)}`);
    await job.remove();
  });

  it('is not throttled by the endpoint rate limit (budget 1 per window)', async () => {
    const statuses = new Set<number>();
    for (let i = 0; i < 15; i++) {
      statuses.add((await get('/admin/queues/api/queues', basic('ops', 'board-pass'))).statusCode);
    }
    expect([...statuses]).toEqual([200]);
  });

  it('counts the endpoint 429s in /metrics, by route template', async () => {
    const post = () =>
      h.app.inject({
        method: 'POST',
        url: '/api/v3/oc/numbers/action/ready-for-removal',
        headers: { authorization: `Bearer ${operatorKey}`, prefer: 'respond-async' },
        payload: { telephoneNumbers: ['+12065550123'] },
      });
    const first = await post();
    expect(first.statusCode).toBe(202);
    expect((await post()).statusCode).toBe(429);
    const res = await get('/metrics', `Bearer ${adminKey}`);
    expect(res.body).toContain(
      'ocn_rate_limit_rejections_total{route="/api/v3/oc/numbers/action/ready-for-removal"} 1',
    );
    expect(res.body).toContain(
      'ocn_http_requests_total{method="POST",route="/api/v3/oc/numbers/action/ready-for-removal",status_code="202"} 1',
    );
  });
});
