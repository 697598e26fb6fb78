import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../../src/db/tables.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createMarkedJob, createMarkedNumbers, createTenant } from '../support/factories.ts';
import {
  ancestry,
  type OtlpReceiver,
  type ReceivedSpan,
  startOtlpReceiver,
  traceOf,
} from '../support/otlp-receiver.ts';
import { logLine, logLineOrNot, type ServiceProcess, startService } from '../support/processes.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { REDIS_URL } from '../support/services.ts';
import {
  EXPORT_ONLY_AT_EXIT,
  expectStorageSpans,
  jsonBigInt,
  logLines,
} from '../support/trace-checks.ts';
import { waitFor } from '../support/wait.ts';
import { jobRow } from '../support/worker-jobs.ts';

// A real API and a real worker process with tracing on (OTLP/HTTP JSON to a receiver this file
// runs), one sync request with the caller's traceparent and one async job: every span of each
// must form one trace, from the HTTP span to the last chunk. The batch processor waits far
// longer than the test and holds far more spans, so the spans only arrive when SIGTERM makes
// the processes flush them.

const ACTION = '/api/v3/oc/numbers/action/ready-for-removal';
const CHUNK = 10;

let db: TestDatabase;
let prefix: string;
let receiver: OtlpReceiver;
let api: ServiceProcess;
let worker: ServiceProcess;
let apiKey: string;
let numbers: string[];
/**
 * A job Postgres has and BullMQ does not (Redis lost it): the recovery sweep adds it again. Its
 * row names the span of the request that wrote it (random here: that request never ran).
 */
let orphan: { id: string; traceId: string | null };
const orphanSpanId = randomBytes(8).toString('hex');

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  db = await createTestDatabase();
  prefix = uniquePrefix('tracing');
  const tenant = await createTenant(db.db);
  apiKey = tenant.apiKey.key;
  numbers = await createMarkedNumbers(db.db, tenant, 50);
  orphan = (await createMarkedJob(db.db, tenant, 5)).job;
  await db.db.update(jobs).set({ traceSpanId: orphanSpanId }).where(eq(jobs.id, orphan.id));
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    WORKER_CHUNK_SIZE: String(CHUNK),
    SYNC_WAIT_MS: '20000',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    ...EXPORT_ONLY_AT_EXIT,
  };
  [api, worker] = await Promise.all([
    startService('api', { ...env, OTEL_SERVICE_NAME: 'ocn-api-test' }),
    startService('worker', {
      ...env,
      OTEL_SERVICE_NAME: 'ocn-worker-test',
      RECOVERY_INTERVAL_MS: '500',
      RECOVERY_MIN_AGE_MS: '1000',
    }),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  // For a look at what was received (and for bench/trace-waterfall.ts).
  if (process.env.OCN_TRACE_DUMP) {
    await writeFile(process.env.OCN_TRACE_DUMP, JSON.stringify(receiver.spans, jsonBigInt, 1));
  }
  await receiver?.close();
  await deletePrefix(prefix).catch(() => {});
  await db?.drop();
});

function post(body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${api.url}${ACTION}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('tracing on, across real API and worker processes', () => {
  const caller = {
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
  };
  let syncJobId: string;
  let asyncJobId: string;
  let asyncTraceId: string;
  let problemTraceId: string;

  it('answers as usual while spans stay batched (nothing exported before SIGTERM)', async () => {
    const sync = await post(
      { telephoneNumbers: numbers.slice(0, 25) },
      { traceparent: `00-${caller.traceId}-${caller.spanId}-01` },
    );
    expect(sync.status).toBe(200);
    syncJobId = ((await sync.json()) as { data: { jobId: string } }).data.jobId;

    const accepted = await post(
      { telephoneNumbers: numbers.slice(25) },
      { prefer: 'respond-async' },
    );
    expect(accepted.status).toBe(202);
    asyncJobId = ((await accepted.json()) as { jobId: string }).jobId;
    await worker.waitForLine(`"msg":"job completed"`, 30_000);
    await waitFor('the async job to complete', async () =>
      worker.lines.some((l) => l.includes('"job completed"') && l.includes(asyncJobId))
        ? true
        : undefined,
    );

    const refused = await post(
      { telephoneNumbers: 'not a list' },
      {
        traceparent: `00-${caller.traceId}-${caller.spanId}-01`,
      },
    );
    expect(refused.status).toBe(400);
    problemTraceId = ((await refused.json()) as { traceId: string }).traceId;
    await waitFor('the orphaned job to be re-queued and completed', async () =>
      logLineOrNot(worker, 'job completed', orphan.id),
    );
    expect(receiver.requests).toBe(0);
  }, 60_000);

  it('flushes every span when SIGTERM stops the processes', async () => {
    expect(await api.stop('SIGTERM')).toBe(0);
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(receiver.requests).toBeGreaterThan(0);
    const services = new Set(receiver.spans.map((s) => s.service));
    expect(services).toEqual(new Set(['ocn-api-test', 'ocn-worker-test']));
  });

  it("continues the caller's traceparent from the HTTP span to the last chunk", () => {
    const trace = traceOf(receiver, caller.traceId);
    const server = trace.one(
      'the sync POST',
      (s) => s.name === `POST ${ACTION}` && s.attributes['http.response.status_code'] === 200,
    );
    expect(server).toMatchObject({ service: 'ocn-api-test', parentSpanId: caller.spanId, kind: 2 });
    const enqueue = trace.one('the enqueue', (s) => s.service === 'ocn-api-test' && s.kind === 4);
    expect(ancestry(trace, enqueue)).toContain(server.name);
    const process = trace.one('the job', (s) => s.service === 'ocn-worker-test' && s.kind === 5);
    expect(process.parentSpanId).toBe(enqueue.spanId);
    const chunks = trace.spans.filter((s) => s.name === 'chunk ready-for-removal');
    expect(chunks.map((c) => c.attributes['ocn.chunk.processed'])).toEqual([10, 10, 5]);
    for (const chunk of chunks) {
      expect(chunk.parentSpanId).toBe(process.spanId);
      expect(chunk.attributes).toMatchObject({ 'ocn.job.id': syncJobId, 'ocn.chunk.size': CHUNK });
    }
    expectStorageSpans(trace, chunks);
    const last = chunks.at(-1) as ReceivedSpan;
    expect(last.attributes).toMatchObject({
      'ocn.chunk.step': 'completed',
      'ocn.chunk.outcome.SUCCEEDED': 5,
    });
    expect(logLine(worker, 'job completed', syncJobId).traceId).toBe(caller.traceId);
  });

  it('keeps in the jobs row the span that wrote it: the request handler', async () => {
    const trace = traceOf(receiver, caller.traceId);
    const server = trace.one(
      'the sync POST',
      (s) => s.name === `POST ${ACTION}` && s.attributes['http.response.status_code'] === 200,
    );
    const handler = trace.one(
      'its handler',
      (s) => s.name === `handler ${ACTION}` && s.parentSpanId === server.spanId,
    );
    const row = await jobRow(db.db, syncJobId);
    expect(row).toMatchObject({ traceId: caller.traceId, traceSpanId: handler.spanId });
  });

  it('starts one trace for a request without traceparent, carried to the worker', () => {
    const server = receiver.spans.find(
      (s) => s.name === `POST ${ACTION}` && s.attributes['http.response.status_code'] === 202,
    ) as ReceivedSpan;
    expect(server.parentSpanId).toBe('');
    asyncTraceId = server.traceId;
    expect(asyncTraceId).not.toBe(caller.traceId);
    const trace = traceOf(receiver, asyncTraceId);
    const chunks = trace.spans.filter((s) => s.name === 'chunk ready-for-removal');
    expect(chunks).toHaveLength(3);
    expect(chunks.every((c) => c.attributes['ocn.job.id'] === asyncJobId)).toBe(true);
    for (const chunk of chunks) {
      expect(ancestry(trace, chunk)).toContain(server.name);
    }
    const completed = logLine(worker, 'job completed', asyncJobId);
    expect(completed.traceId).toBe(asyncTraceId);
    expect(completed.spanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it("puts the trace's id in the problem details and in every log line of a request", () => {
    expect(problemTraceId).toBe(caller.traceId);
    const lines = logLines(api).filter((l) => l.reqId);
    const actionRequests = lines
      .filter((l) => l.msg === 'incoming request' && l.req?.url === ACTION)
      .map((l) => l.reqId);
    expect(actionRequests).toHaveLength(3);
    const traceIds = new Set<string | undefined>();
    for (const reqId of actionRequests) {
      const ofRequest = lines.filter((l) => l.reqId === reqId);
      // Fastify's own lines too: the incoming one is written inside the request's span.
      expect(ofRequest.map((l) => l.msg)).toEqual(
        expect.arrayContaining(['incoming request', 'request completed']),
      );
      const first = ofRequest[0]?.traceId;
      expect(first).toMatch(/^[0-9a-f]{32}$/);
      expect(ofRequest.every((l) => l.traceId === first)).toBe(true);
      traceIds.add(first);
    }
    expect(traceIds).toEqual(new Set([caller.traceId, asyncTraceId]));
  });

  it('links a job the recovery sweep re-queued to the trace of its request', () => {
    const requeue = receiver.spans.find(
      (s) => s.name === 'recovery requeue' && s.attributes['ocn.job.id'] === orphan.id,
    ) as ReceivedSpan;
    expect(requeue.parentSpanId).toBe('');
    // The link names the span the row keeps: a real span id, never the all-zero one.
    expect(requeue.links).toEqual([{ traceId: orphan.traceId, spanId: orphanSpanId }]);
    const trace = traceOf(receiver, requeue.traceId);
    const process = trace.one('the re-queued job', (s) => s.kind === 5);
    expect(process.parentSpanId).toBe(requeue.spanId);
    const chunk = trace.one('its chunk', (s) => s.name === 'chunk ready-for-removal');
    expect(chunk.attributes).toMatchObject({ 'ocn.job.id': orphan.id, 'ocn.chunk.processed': 5 });
    expect(logLine(worker, 'job completed', orphan.id).traceId).toBe(requeue.traceId);
  });
});
