import { expect } from 'vitest';
import type { ReceivedSpan, traceOf } from './otlp-receiver.ts';
import type { ServiceProcess } from './processes.ts';

// What tracing-processes.test.ts reads of what the processes logged (the trace walking and
// the one-line lookups are shared: support/otlp-receiver.ts, support/processes.ts).

/** Batch processor settings under which spans are exported only when SIGTERM flushes them. */
export const EXPORT_ONLY_AT_EXIT = {
  OTEL_BSP_SCHEDULE_DELAY: '600000',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '100000',
  OTEL_BSP_MAX_QUEUE_SIZE: '100000',
};

export interface LogLine {
  msg?: string;
  reqId?: string;
  req?: { url?: string };
  traceId?: string;
  spanId?: string;
}

/** Every JSON line the process logged. */
export function logLines(process: ServiceProcess): LogLine[] {
  return process.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
}

/** JSON.stringify's replacer for the spans' bigint times. */
export function jsonBigInt(_key: string, value: unknown) {
  return typeof value === 'bigint' ? value.toString() : value;
}

/**
 * The SQL and Redis of a request and its job in their trace: inside each chunk span the row
 * lock and the chunk statement, named by their summary (the same constant text in every chunk
 * is not recorded again); any other statement carries its text, with placeholders (the job's
 * insert); Redis commands are there too.
 */
export function expectStorageSpans(trace: ReturnType<typeof traceOf>, chunks: ReceivedSpan[]) {
  for (const chunk of chunks) {
    const sql = trace.spans.filter((s) => s.parentSpanId === chunk.spanId);
    for (const summary of ['lock job', 'chunk statement']) {
      const named = sql.find((s) => s.name === summary);
      expect(named?.attributes).toMatchObject({
        'db.system.name': 'postgresql',
        'db.query.summary': summary,
        'db.operation.name': 'SELECT',
        'db.response.returned_rows': 1,
      });
      expect(named?.attributes).not.toHaveProperty('db.query.text');
    }
  }
  const insert = trace.one('the job insert', (s) => s.attributes['db.operation.name'] === 'INSERT');
  expect(insert.attributes['db.query.text']).toMatch(/^insert into "jobs" .*\$1/);
  const redis = trace.spans.filter(
    (s) => s.attributes['db.system.name'] === 'redis' || s.attributes['db.system'] === 'redis',
  );
  expect(redis.length).toBeGreaterThan(0);
}
