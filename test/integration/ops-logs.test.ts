import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { type TestApp, useAppsDatabase } from '../support/app.ts';
import { testConfig } from '../support/config.ts';
import { createTenant } from '../support/factories.ts';
import { startTestWorker } from '../support/test-worker.ts';

type LogLine = Record<string, unknown> & { msg?: string };

describe('request log lines', () => {
  const database = useAppsDatabase();
  const prefix = database.prefix('ops-logs');
  let h: TestApp;
  const raw: string[] = [];
  const lines = () => raw.map((l) => JSON.parse(l) as LogLine);
  let apiKey: string;

  beforeAll(async () => {
    const config = testConfig(database.url, prefix, { LOG_LEVEL: 'info' });
    const logger = createLogger(config, 'oc-numbers', { write: (line: string) => raw.push(line) });
    h = await database.appWithConfig(config, { logger });
    apiKey = (await createTenant(database.db)).apiKey.key;
  });

  /** POSTs `telephoneNumbers` for removal with the tenant's key and `headers`. */
  const submit = (telephoneNumbers: string[], headers: Record<string, string> = {}) =>
    h.app.inject({
      method: 'POST',
      url: '/api/v3/oc/numbers/action/ready-for-removal',
      headers: { authorization: `Bearer ${apiKey}`, ...headers },
      payload: { telephoneNumbers },
    });

  it('carry reqId and traceId on every line of a request, errorTicket on error answers, no key or body', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const accepted = await submit(['+12065550177', '+12065550178'], {
      prefer: 'respond-async',
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    expect(accepted.statusCode).toBe(202);
    const errors = [
      await h.app.inject({ method: 'GET', url: '/api/v3/oc/numbers/jobs' }),
      await h.app.inject({
        method: 'GET',
        url: '/api/v3/oc/numbers/jobs/00000000-0000-4000-8000-000000000000',
        headers: { authorization: `Bearer ${apiKey}` },
      }),
      await submit(['not-a-number']),
    ];

    const all = lines();
    if (process.env.OPS_DUMP_LOGS) console.log(raw.join(''));
    const requestLines = all.filter((l) => 'reqId' in l);
    expect(requestLines.length).toBeGreaterThan(0);
    for (const line of requestLines)
      expect(line.traceId, JSON.stringify(line)).toMatch(/^[0-9a-f]{32}$/);
    // The caller's W3C trace id is kept on its request's lines.
    const traced = requestLines.filter((l) => l.traceId === traceId);
    expect(traced.length).toBeGreaterThanOrEqual(2);
    expect(new Set(traced.map((l) => l.reqId)).size).toBe(1);

    for (const res of errors) {
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      const { errorTicket } = res.json();
      const withTicket = all.filter((l) => l.errorTicket === errorTicket);
      expect(withTicket, `log line for ${errorTicket}`).toHaveLength(1);
      expect(withTicket[0]?.reqId).toBeDefined();
    }

    const text = raw.join('');
    expect(text).not.toContain(apiKey);
    expect(text).not.toContain(apiKey.slice(-16));
    expect(text).not.toContain('telephoneNumbers');
    expect(text).not.toContain('not-a-number');
  });

  it('carry jobId on every worker line about a job', async () => {
    const worker = await startTestWorker(h.deps.config, database.db, h.deps.logger);
    try {
      // A job processed end to end, and one whose Postgres row does not exist (it fails).
      const done = await submit(['+12065550199']);
      expect(done.statusCode).toBe(200);
      const orphanId = randomUUID();
      const orphan = await h.deps.queue.add(
        'ready-for-removal',
        { jobId: orphanId, operatorId: randomUUID() },
        { jobId: orphanId, attempts: 1 },
      );
      await expect.poll(() => orphan.getState(), { timeout: 10_000 }).toBe('failed');
      for (const jobId of [done.json().data.jobId as string, orphanId]) {
        const about = lines().filter((l) => JSON.stringify(l).includes(jobId) && !('reqId' in l));
        for (const line of about) expect(line.jobId, JSON.stringify(line)).toBe(jobId);
      }
    } finally {
      await worker.close();
    }
  });

  it('the worker logs one line per ended job with jobId, traceId, state, counts and duration', async () => {
    const worker = await startTestWorker(h.deps.config, database.db, h.deps.logger);
    try {
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const done = await submit(['+12065550188', '+12065550189'], {
        traceparent: `00-${traceId}-b7ad6b7169203331-01`,
      });
      expect(done.statusCode).toBe(200);
      const jobId = done.json().data.jobId as string;
      const ended = lines().filter((l) => l.jobId === jobId && l.msg === 'job completed');
      expect(ended).toHaveLength(1);
      expect(ended[0]).toMatchObject({
        jobId,
        traceId,
        state: 'completed',
        requestedCount: 2,
        processedCount: 2,
        successCount: 0,
        failedCount: 2,
      });
      expect(ended[0]?.durationMs).toEqual(expect.any(Number));
    } finally {
      await worker.close();
    }
  });
});
