import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import { listenOnLoopback } from './loopback.ts';

// An OTLP/HTTP trace receiver for tests: takes what an SDK exports with
// OTEL_EXPORTER_OTLP_PROTOCOL=http/json (POST /v1/traces, ExportTraceServiceRequest as JSON,
// ids in hex as the OTLP JSON encoding specifies) and keeps every span, flattened.

export interface ReceivedSpan {
  service: string;
  scope: string;
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, string | number | boolean | undefined>;
  links: { traceId: string; spanId: string }[];
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpKeyValue {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: OtlpKeyValue[];
  links?: { traceId: string; spanId: string }[];
}
interface OtlpRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: OtlpSpan[] }[];
  }[];
}

export interface OtlpReceiver {
  /** What OTEL_EXPORTER_OTLP_ENDPOINT should be (the SDK appends /v1/traces). */
  endpoint: string;
  spans: ReceivedSpan[];
  /** Export requests received, whatever their content. */
  requests: number;
  close(): Promise<void>;
}

function plainValue(value: OtlpValue): string | number | boolean | undefined {
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.doubleValue ?? value.boolValue;
}

function attributesOf(list: OtlpKeyValue[] = []) {
  return Object.fromEntries(list.map((kv) => [kv.key, plainValue(kv.value)]));
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const receiver = { spans: [] as ReceivedSpan[], requests: 0 };
  const server = createServer(async (request, response) => {
    if (request.method !== 'POST' || request.url !== '/v1/traces') {
      response.writeHead(404).end();
      return;
    }
    receiver.requests++;
    const body = JSON.parse(await bodyOf(request)) as OtlpRequest;
    for (const resourceSpans of body.resourceSpans ?? []) {
      const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name']);
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          receiver.spans.push({
            service,
            scope: scopeSpans.scope?.name ?? '',
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? '',
            name: span.name,
            kind: span.kind,
            startNs: BigInt(span.startTimeUnixNano),
            endNs: BigInt(span.endTimeUnixNano),
            attributes: attributesOf(span.attributes),
            links: (span.links ?? []).map(({ traceId, spanId }) => ({ traceId, spanId })),
          });
        }
      }
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  const port = await listenOnLoopback(server);
  return Object.assign(receiver, {
    endpoint: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  });
}

/** The spans of one trace, and checks on how they hang together. */
export function traceOf(receiver: { spans: ReceivedSpan[] }, traceId: string) {
  const spans = receiver.spans.filter((s) => s.traceId === traceId);
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const parentOf = (span: ReceivedSpan) => byId.get(span.parentSpanId);
  const one = (what: string, match: (s: ReceivedSpan) => boolean) => {
    const found = spans.filter(match);
    if (found.length !== 1) {
      throw new Error(`${found.length} spans are ${what}: ${spans.map((s) => s.name).join(', ')}`);
    }
    return found[0] as ReceivedSpan;
  };
  return { spans, byId, parentOf, one };
}

export type Trace = ReturnType<typeof traceOf>;

/** Walks up from `span` and returns the names of its ancestors, nearest first. */
export function ancestry(trace: Trace, span: ReceivedSpan): string[] {
  const names: string[] = [];
  for (let at = trace.parentOf(span); at; at = trace.parentOf(at)) names.push(at.name);
  return names;
}
