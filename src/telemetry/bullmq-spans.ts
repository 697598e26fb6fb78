import type { Context } from '@opentelemetry/api';
import { suppressTracing, unsuppressTracing } from '@opentelemetry/core';
import type { ContextManager, Span, SpanOptions, Telemetry } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';

// BullMQ traces every operation it runs, its own housekeeping included: each fetch of the next
// job, each lock renewal, each stalled-jobs check, each completion, with their Redis commands
// under them. Only the spans that tell a request's story are kept: the enqueue (`add`,
// `addBulk`, whose context travels in the job), the processing (`process`) and a failed
// attempt's outcome (`fail`, `retry`, `delay`). The others cost a span each on every job, or
// start traces of their own every few seconds: a dropped operation gets a span that records
// nothing. BullMQ's own Redis commands get no spans either (its operations' callbacks run with
// tracing suppressed): each would be an `evalsha` saying nothing its operation's span (or, for
// the completion, `process`) does not — three per job. What remains of Redis in a trace is the
// commands this service sends itself: the rate-limit budget, the job's progress.
// BullMQ runs no kept operation inside a dropped one's callback (the next job a completion
// fetches is processed from the worker's main loop), and `process` is not suppressed: the
// processor's own spans (chunks, SQL, progress) hang under it.

const KEPT = new Set(['add', 'addBulk', 'process', 'fail', 'retry', 'delay']);

const UNRECORDED: Span<Context> = {
  setSpanOnContext: (context) => suppressTracing(context),
  setAttribute() {},
  setAttributes() {},
  addEvent() {},
  recordException() {},
  end() {},
};

/** BullMQ's `telemetry` (bullmq-otel) with only the operations above traced. */
export function bullmqTelemetry(tracerName: string): Telemetry<Context> {
  const full = new BullMQOtel({ tracerName });
  const contexts = full.contextManager;
  const contextManager: ContextManager<Context> = {
    with: (context, fn) => contexts.with(context, fn),
    active: () => contexts.active(),
    fromMetadata: (context, metadata) => contexts.fromMetadata(context, metadata),
    // The enqueue's context is injected into the job from inside its (suppressed) callback:
    // the propagator injects nothing for a suppressed context, so the suppression is lifted.
    getMetadata: (context) => contexts.getMetadata(unsuppressTracing(context)),
  };
  return {
    contextManager,
    tracer: {
      // BullMQ names its spans `<operation> <destination>`.
      startSpan(name: string, options?: SpanOptions, context?: Context): Span<Context> {
        const space = name.indexOf(' ');
        const operation = space === -1 ? name : name.slice(0, space);
        if (!KEPT.has(operation)) return UNRECORDED;
        const span = full.tracer.startSpan(name, options, context);
        if (operation === 'process') return span;
        return {
          setSpanOnContext: (parent) => suppressTracing(span.setSpanOnContext(parent)),
          setAttribute: (key, value) => span.setAttribute(key, value),
          setAttributes: (attributes) => span.setAttributes(attributes),
          addEvent: (name, attributes) => span.addEvent(name, attributes),
          recordException: (exception, time) => span.recordException(exception, time),
          end: () => span.end(),
        };
      },
    },
  };
}
