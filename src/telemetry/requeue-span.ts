import { ROOT_CONTEXT, type SpanContext, TraceFlags, trace } from '@opentelemetry/api';
import { queueTelemetry } from './state.ts';

// A job the recovery sweep adds again (Redis lost it) cannot continue its request's trace: the
// context BullMQ carried was in the lost job. Each such job gets a `recovery requeue` span of
// its own, linked to the trace its jobs row names, and the job carries that span's context, so
// its processing hangs under it. The row keeps the trace id only, not a span id: the link names
// the original trace with an all-zero span id, which trace viewers (Jaeger, Tempo) open as
// "the trace"; there is no span of it to point at.

const tracer = trace.getTracer('oc-numbers');
const UNKNOWN_SPAN = '0000000000000000';

/** BullMQ job options carrying a fresh requeue span's context; nothing when tracing is off. */
export function requeueTelemetry(job: { id: string; traceId: string | null }): {
  telemetry?: { metadata: string };
} {
  const telemetry = queueTelemetry().telemetry;
  if (!telemetry) return {};
  const original: SpanContext | undefined =
    job.traceId && /^[0-9a-f]{32}$/.test(job.traceId) && !/^0+$/.test(job.traceId)
      ? { traceId: job.traceId, spanId: UNKNOWN_SPAN, traceFlags: TraceFlags.NONE }
      : undefined;
  // A trace of its own: the sweep that found the job is not what the job's processing is part of.
  const span = tracer.startSpan(
    'recovery requeue',
    {
      attributes: {
        'ocn.job.id': job.id,
        ...(original && { 'ocn.original_trace_id': original.traceId }),
      },
      ...(original && {
        links: [{ context: original, attributes: { 'ocn.link': 'original request' } }],
      }),
    },
    ROOT_CONTEXT,
  );
  const metadata = telemetry.contextManager.getMetadata(trace.setSpan(ROOT_CONTEXT, span));
  span.end();
  return { telemetry: { metadata } };
}
