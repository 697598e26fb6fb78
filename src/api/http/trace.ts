import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { activeTraceIds } from '../../telemetry/active-ids.ts';

// W3C Trace Context: take the trace id of a valid `traceparent` header, else start a new trace.
// This is what tracing off does; with it on, OpenTelemetry's propagator does it (traceIdOf).
// https://www.w3.org/TR/trace-context/#traceparent-header
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

export function traceIdFromHeader(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, parentId] = match;
  if (version === 'ff' || (version === '00' && match[5] !== undefined)) return undefined;
  if (/^0+$/.test(traceId ?? '') || /^0+$/.test(parentId ?? '')) return undefined;
  return traceId;
}

// Computed once per request, before Fastify builds its request object, so the request's child
// logger and the problem details share it.
const traceIds = new WeakMap<IncomingMessage, string>();

export function traceIdOf(raw: IncomingMessage): string {
  // With tracing on, the propagator already continued (or started) the trace: the request's
  // span is active in its hooks, handler and error handler.
  const active = activeTraceIds();
  if (active) return active.traceId;
  let traceId = traceIds.get(raw);
  if (!traceId) {
    traceId = traceIdFromHeader(raw.headers.traceparent) ?? randomBytes(16).toString('hex');
    traceIds.set(raw, traceId);
  }
  return traceId;
}
