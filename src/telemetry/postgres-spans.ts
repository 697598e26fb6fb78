import dc from 'node:diagnostics_channel';
import { type Attributes, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

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
  /** The span of this query, kept on postgres.js's own message (no side table to clean up). */
  [SPAN]?: Span | undefined;
  [NAMED_SPAN]?: boolean;
}

const SPAN = Symbol('ocn.span');
const NAMED_SPAN = Symbol('ocn.span.named');
const tracer = trace.getTracer('oc-numbers/postgres');

// Transaction control, the SET LOCAL timeouts and a chunk's shared advisory lock on its job
// (sent in the same round trip as the row lock after it: its time is the row lock's) come with
// every chunk and tell nothing its `chunk` span (which spans the transaction) does not: no span
// of their own, four fewer per chunk (docs/performance.md, "Tracing"). A cancel's exclusive
// lock, which waits for the chunk in flight, keeps its span.
const BOOKKEEPING =
  /^\s*(?:begin|commit|rollback|savepoint|release|select set_config\(|select pg_advisory_xact_lock_shared\()/i;

// The statements every chunk runs open with a name, `/* ocn: <summary> */` (the chunk statement
// is 2,691 characters, the row lock 600): their spans carry it as `db.query.summary` and as
// their name, not the text, which the name finds in src/ and which is the same in every chunk.
// Recording it cost more than any other part of a job's spans: held by every span until the
// batch is exported, written byte by byte into the export (docs/performance.md, "Tracing").
const NAMED = /^\s*\/\* ocn: ([^*]+?) \*\//;

export function subscribePostgresSpans(): void {
  dc.tracingChannel<string, QueryMessage>('postgres:query').subscribe({
    start(message) {
      // No parent, no span: pool warm-ups and the like are not part of any request. A parent
      // the sampler left out (not recording) would only get a child that is left out too.
      if (!trace.getActiveSpan()?.isRecording()) return;
      const query = message.query ?? '';
      if (BOOKKEEPING.test(query)) return;
      const database = message.database ?? '';
      const summary = NAMED.exec(query)?.[1];
      const attributes: Attributes = {
        'db.system.name': 'postgresql',
        'db.namespace': database,
      };
      if (summary) attributes['db.query.summary'] = summary;
      else attributes['db.query.text'] = query;
      message[NAMED_SPAN] = summary !== undefined;
      message[SPAN] = tracer.startSpan(summary ?? `postgresql ${database}`.trim(), {
        kind: SpanKind.CLIENT,
        attributes,
      });
    },
    error(message) {
      const span = message[SPAN];
      if (!span || !message.error) return;
      span.setStatus({ code: SpanStatusCode.ERROR, message: message.error.message ?? '' });
      span.setAttribute('error.type', message.error.code ?? message.error.name ?? 'Error');
    },
    asyncEnd(message) {
      const span = message[SPAN];
      if (!span) return;
      message[SPAN] = undefined;
      const attributes: Attributes = {};
      if (message.command) {
        // A named statement keeps its name; another is named after its command.
        if (!message[NAMED_SPAN]) {
          span.updateName(`${message.command} ${message.database ?? ''}`.trim());
        }
        attributes['db.operation.name'] = message.command;
      }
      if (message.count != null) attributes['db.response.returned_rows'] = message.count;
      if (message.host) attributes['server.address'] = message.host;
      if (message.port) attributes['server.port'] = message.port;
      span.setAttributes(attributes);
      span.end();
    },
    end() {},
    asyncStart() {},
  });
}
