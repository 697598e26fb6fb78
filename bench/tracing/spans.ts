import { loadConfig } from '../../src/config.ts';
import { type ReceivedSpan, startOtlpReceiver } from '../../test/support/otlp-receiver.ts';
import { deletePrefixAt } from '../../test/support/redis.ts';
import { FULL } from '../context.ts';
import { createBenchDatabase } from '../database.ts';
import { newQueuePrefix } from '../queue-prefix.ts';
import { NumberAllocator, seedTenant } from '../seed.ts';
import { seedRequestBodies, startService } from '../service.ts';
import { measureBlock } from './block.ts';

// `npm run bench:spans [-- <blocks>]`: what the tracing part's always-on service exports per
// backlog job. One service (always-on, OTLP/HTTP JSON to a receiver here) works through
// `blocks` backlogs of 40 queued 500-number jobs, as in the part, then stops (SIGTERM flushes
// its spans); printed: spans per job by name with their attributes' JSON size, and one job's
// trace as a tree (docs/performance.md, "Tracing").

const JOBS = 40;
const blocks = Number(process.argv[2] ?? 2);
const log = (message: string) => process.stderr.write(`${message}\n`);
const config = loadConfig(process.env);
const db = await createBenchDatabase(config.databaseUrl);
const queuePrefix = newQueuePrefix();
const receiver = await startOtlpReceiver();
try {
  const ctx = {
    ...{ config, db, queuePrefix, sizes: FULL, diagnose: false, log },
    tenant: await seedTenant(db.sql),
    numbers: new NumberAllocator(),
  };
  const bodies = await seedRequestBodies(ctx, blocks * (JOBS + 1));
  const service = await startService(ctx, 'spans', {
    RATE_LIMIT_MAX: '1000000',
    OTEL_TRACES_SAMPLER: 'always_on',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  });
  try {
    for (let block = 0; block < blocks; block += 1) {
      await measureBlock(ctx, service, bodies.splice(0, 1), bodies.splice(0, JOBS));
    }
  } finally {
    await service.stop();
  }
  // The backlog's traces: those of the requests answered 202 (each block's one sync request,
  // answered 200, is left out).
  const asyncTraces = new Set(
    receiver.spans
      .filter((s) => s.parentSpanId === '' && s.attributes['http.response.status_code'] === 202)
      .map((s) => s.traceId),
  );
  const spans = receiver.spans.filter((s) => asyncTraces.has(s.traceId));
  printPerJob(spans, asyncTraces.size);
  const first = [...asyncTraces][0];
  if (first) printTree(spans.filter((s) => s.traceId === first));
} finally {
  await receiver.close();
  await db.drop();
  await deletePrefixAt(config.redisUrl, queuePrefix);
}

function printPerJob(spans: ReceivedSpan[], jobs: number): void {
  const byName = new Map<string, { count: number; bytes: number }>();
  for (const span of spans) {
    // SQL spans are named after the bench's database, which differs on every run.
    const name = span.name.replace(db.name, '<db>');
    const entry = byName.get(name) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += JSON.stringify(span.attributes).length;
    byName.set(name, entry);
  }
  log(`${jobs} jobs, ${(spans.length / jobs).toFixed(1)} spans per job:`);
  for (const [name, { count, bytes }] of [...byName].sort((a, b) => b[1].count - a[1].count)) {
    log(`  ${(count / jobs).toFixed(2)} × ${name} (${Math.round(bytes / count)} B of attributes)`);
  }
}

function printTree(trace: ReceivedSpan[]): void {
  const children = new Map<string, ReceivedSpan[]>();
  for (const span of trace) {
    children.set(span.parentSpanId, [...(children.get(span.parentSpanId) ?? []), span]);
  }
  const visit = (parent: string, depth: number) => {
    const list = (children.get(parent) ?? []).sort((a, b) => Number(a.startNs - b.startNs));
    for (const span of list) {
      const ms = (Number(span.endNs - span.startNs) / 1e6).toFixed(2);
      log(`${'  '.repeat(depth + 1)}${span.name.replace(db.name, '<db>')}  ${ms} ms`);
      visit(span.spanId, depth + 1);
    }
  };
  log('one of them:');
  visit('', 0);
}
