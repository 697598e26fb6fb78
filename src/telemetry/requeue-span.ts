import {
  isSpanContextValid,
  ROOT_CONTEXT,
  type SpanContext,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { queueTelemetry } from './state.ts';

// A job the recovery sweep adds again (Redis lost it) cannot continue its request's trace: the
// context BullMQ carried was in the lost job. Each such job gets a `recovery requeue` span of
// its own, linked to the span that wrote its jobs row (the request's handler: the row keeps its
// trace and span ids), and the job carries that span's context, so its processing hangs under
// it. A row written with tracing off has no span id: no link then (a link needs a valid span
// context), only the original trace id as an attribute.

const tracer = trace.getTracer('oc-numbers');

export interface RequeuedJob {
  id: string;
  traceId: string | null;
  traceSpanId: string | null;
}

/** BullMQ job options carrying a fresh requeue span's context; nothing when tracing is off. */
export function requeueTelemetry(job: RequeuedJob): { telemetry?: { metadata: string } } {
  const telemetry = queueTelemetry().telemetry;
  if (!telemetry) return {};
  const original = originalSpan(job);
  // A trace of its own: the sweep that found the job is not what the job's processing is part of.
  const span = tracer.startSpan(
    'recovery requeue',
    {
      attributes: {
        'ocn.job.id': job.id,
        ...(job.traceId && { 'ocn.original_trace_id': job.traceId }),
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

/** The span the row names, when it names a valid one (the row's text is not trusted blindly). */
function originalSpan(job: RequeuedJob): SpanContext | undefined {
  if (!job.traceId || !job.traceSpanId) return undefined;
  const context: SpanContext = {
    traceId: job.traceId,
    spanId: job.traceSpanId,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(context) ? context : undefined;
}
