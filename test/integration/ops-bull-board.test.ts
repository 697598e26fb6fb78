import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';

import { basic, useApiSuite } from '../support/app.ts';
import { createApiKey } from '../support/factories.ts';

describe('Bull Board on the real app', () => {
  // A budget of 1 request per window: the board must not spend or obey it.
  const suite = useApiSuite(
    'ops-board',
    { BULL_BOARD_USER: 'ops', BULL_BOARD_PASSWORD: 'board-pass', RATE_LIMIT_MAX: '1' },
    { worker: false },
  );
  let adminKey: string;
  beforeAll(async () => {
    adminKey = (await createApiKey(suite.t.db, suite.tenant.operator.id, { role: 'admin' })).key;
  });

  const get = (url: string, authorization?: string) =>
    suite.api.app.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });

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
    const res = await get('/admin/queues/api/queues', `Bearer ${suite.tenant.apiKey.key}`);
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

  /** Puts a waiting job of `operation` on the queue; the board's listing of the queue and of it. */
  async function listedOnBoard(operation: string, progress?: object) {
    const jobId = randomUUID();
    const operatorId = suite.tenant.operator.id;
    const job = await suite.api.deps.queue.add(operation, { jobId, operatorId }, { jobId });
    if (progress) await job.updateProgress(progress);
    const res = await get(
      '/admin/queues/api/queues?activeQueue=ready-for-removal&status=waiting',
      basic('ops', 'board-pass'),
    );
    await job.remove();
    expect(res.statusCode).toBe(200);
    const queue = res.json().queues.find((q: { name: string }) => q.name === 'ready-for-removal');
    return { queue, shown: queue.jobs.find((j: { id: string }) => j.id === jobId) };
  }

  it('shows jobs with a readable name, their progress and their result', async () => {
    const progress = {
      requestedCount: 3,
      processedCount: 1,
      successCount: 1,
      failedCount: 0,
      percent: 33,
    };
    const { queue, shown } = await listedOnBoard('ready-for-removal', progress);
    expect(queue.displayName).toBe('Number actions');
    const operator = suite.tenant.operator.id.slice(0, 8);
    expect(shown.name).toBe(`Ready for removal · 3 numbers · operator ${operator}`);
    expect(shown.progress).toEqual(progress);
  });

  it('tells the operations apart by the job name', async () => {
    const { shown } = await listedOnBoard('clear-removal-status');
    const operator = suite.tenant.operator.id.slice(0, 8);
    expect(shown.name).toBe(`Clear removal status · operator ${operator}`);
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
      suite.post(
        '/api/v3/oc/numbers/action/ready-for-removal',
        { telephoneNumbers: ['+12065550123'] },
        { prefer: 'respond-async' },
      );
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
