import dc from 'node:diagnostics_channel';
import { type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

// postgres.js has no OpenTelemetry instrumentation, but (since 4.0) it publishes every query
// on the `postgres:query` tracing channel; `start` runs in the caller's async context, so a
// span started there has the right parent. Subscribed only when tracing is on: unsubscribed
// channels cost nothing. Spans follow the PostgreSQL semantic conventions
// (https://opentelemetry.io/docs/specs/semconv/db/postgresql/); parameters are never recorded.

interface QueryMessage {
  query?: string;
  database?: string;
  host?: string | null;
  port?: number | null;
  command?: string;
  count?: number | null;
  error?: { code?: string; name?: string; message?: string };
}

const tracer = trace.getTracer('oc-numbers/postgres');
const spans = new WeakMap<object, Span>();

// Transaction control, the SET LOCAL timeouts and a chunk's shared advisory lock on its job
// (sent in the same round trip as the row lock after it: its time is the row lock's) come with
// every chunk and tell nothing its `chunk` span (which spans the transaction) does not: no span
// of their own, four fewer per chunk (docs/performance.md, "Tracing"). A cancel's exclusive
// lock, which waits for the chunk in flight, keeps its span.
const BOOKKEEPING =
  /^\s*(?:begin|commit|rollback|savepoint|release|select set_config\(|select pg_advisory_xact_lock_shared\()/i;

export function subscribePostgresSpans(): void {
  dc.tracingChannel<string, QueryMessage>('postgres:query').subscribe({
    start(message) {
      // No parent, no span: pool warm-ups and the like are not part of any request. A parent
      // the sampler left out (not recording) would only get a child that is left out too.
      if (!trace.getActiveSpan()?.isRecording() || BOOKKEEPING.test(message.query ?? '')) return;
      spans.set(
        message,
        tracer.startSpan(`postgresql ${message.database ?? ''}`.trim(), {
          kind: SpanKind.CLIENT,
          attributes: {
            'db.system.name': 'postgresql',
            'db.namespace': message.database ?? '',
            'db.query.text': message.query ?? '',
          },
        }),
      );
    },
    error(message) {
      const span = spans.get(message);
      if (!span || !message.error) return;
      span.setStatus({ code: SpanStatusCode.ERROR, message: message.error.message ?? '' });
      span.setAttribute('error.type', message.error.code ?? message.error.name ?? 'Error');
    },
    asyncEnd(message) {
      const span = spans.get(message);
      if (!span) return;
      spans.delete(message);
      if (message.command) {
        span.updateName(`${message.command} ${message.database ?? ''}`.trim());
        span.setAttribute('db.operation.name', message.command);
      }
      if (message.count != null) span.setAttribute('db.response.returned_rows', message.count);
      if (message.host) span.setAttribute('server.address', message.host);
      if (message.port) span.setAttribute('server.port', message.port);
      span.end();
    },
    end() {},
    asyncStart() {},
  });
}
