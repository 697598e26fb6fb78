import { isSpanContextValid, trace } from '@opentelemetry/api';
import { tracingOn } from './state.ts';

export interface TraceIds {
  traceId: string;
  spanId: string;
}

/** The trace and span ids of the span active here, when tracing is on and one is. */
export function activeTraceIds(): TraceIds | undefined {
  if (!tracingOn()) return undefined;
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !isSpanContextValid(context)) return undefined;
  return { traceId: context.traceId, spanId: context.spanId };
}

/**
 * A pino mixin: every line logged inside a span carries its ids under `traceId` and `spanId`
 * (the key lines carried before tracing existed, so log queries keep working).
 */
export function traceLogFields(): Partial<TraceIds> {
  return activeTraceIds() ?? {};
}
