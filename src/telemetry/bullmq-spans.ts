import type { Context } from '@opentelemetry/api';
import type { Span, SpanOptions, Telemetry } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';

// BullMQ traces every operation it runs, its own housekeeping included: each fetch of the next
// job, each lock renewal, each stalled-jobs check, each completion, with their Redis commands
// under them. Only the spans that tell a request's story are kept: the enqueue (`add`,
// `addBulk`, whose context travels in the job), the processing (`process`) and a failed
// attempt's outcome (`fail`, `retry`, `delay`). The others cost a span each (and their Redis
// commands theirs) on every job, or start traces of their own every few seconds. A dropped
// operation gets a span that records nothing and leaves the context as it was, so its Redis
// commands hang under the enclosing span (`process`) or, outside any, are not traced.

const KEPT = new Set(['add', 'addBulk', 'process', 'fail', 'retry', 'delay']);

const UNRECORDED: Span<Context> = {
  setSpanOnContext: (context) => context,
  setAttribute() {},
  setAttributes() {},
  addEvent() {},
  recordException() {},
  end() {},
};

/** BullMQ's `telemetry` (bullmq-otel) with only the operations above traced. */
export function bullmqTelemetry(tracerName: string): Telemetry<Context> {
  const full = new BullMQOtel({ tracerName });
  return {
    contextManager: full.contextManager,
    tracer: {
      // BullMQ names its spans `<operation> <destination>`.
      startSpan(name: string, options?: SpanOptions, context?: Context): Span<Context> {
        const space = name.indexOf(' ');
        const operation = space === -1 ? name : name.slice(0, space);
        return KEPT.has(operation) ? full.tracer.startSpan(name, options, context) : UNRECORDED;
      },
    },
  };
}
