import { diag, type TextMapPropagator } from '@opentelemetry/api';
import {
  CompositePropagator,
  getNumberFromEnv,
  getStringFromEnv,
  getStringListFromEnv,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  type BatchSpanProcessorOptions,
  ConsoleSpanExporter,
  ParentBasedSampler,
  type Sampler,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanLimits,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';

// The standard OTEL_* variables, read as @opentelemetry/sdk-node reads them
// (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/), for an
// SDK assembled from its parts: sdk-node imports every exporter it knows (gRPC, Zipkin, logs,
// metrics, Prometheus) at load, whatever is configured; here only the one exporter named is.
// The exporters read their own OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout, compression).

/**
 * A span processor per exporter OTEL_TRACES_EXPORTER names: `otlp` (the default, batched) or
 * `console` (each span printed as it ends, for a look on a terminal).
 */
export async function spanProcessorsFromEnv(): Promise<SpanProcessor[]> {
  const names = new Set(getStringListFromEnv('OTEL_TRACES_EXPORTER') ?? ['otlp']);
  const processors: SpanProcessor[] = [];
  for (const name of names) {
    if (name === 'console') {
      processors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
    } else {
      if (name !== 'otlp') diag.warn(`traces exporter "${name}" is not supported here; using otlp`);
      processors.push(
        new BatchSpanProcessor({ exporter: await otlpExporterFromEnv(), ...batchOptionsFromEnv() }),
      );
    }
  }
  return processors;
}

/** The OTLP exporter for OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL: http/protobuf (default) or http/json. */
async function otlpExporterFromEnv(): Promise<SpanExporter> {
  const protocol =
    getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ??
    getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL') ??
    'http/protobuf';
  if (protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter();
  }
  if (protocol !== 'http/protobuf') {
    diag.warn(`OTLP traces protocol "${protocol}" is not supported here; using http/protobuf`);
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter();
}

/** OTEL_TRACES_SAMPLER (+ _ARG); unset: the provider's default, parentbased_always_on. */
export function samplerFromEnv(): Sampler | undefined {
  const name = getStringFromEnv('OTEL_TRACES_SAMPLER');
  const ratio = () => {
    const value = getNumberFromEnv('OTEL_TRACES_SAMPLER_ARG');
    return value !== undefined && value >= 0 && value <= 1 ? value : 1;
  };
  switch (name) {
    case undefined:
      return undefined;
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio());
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio()) });
    default:
      diag.error(`unknown OTEL_TRACES_SAMPLER "${name}"; using the default`);
      return undefined;
  }
}

export function spanLimitsFromEnv(): SpanLimits {
  const number = (name: string, fallback?: string) =>
    getNumberFromEnv(name) ?? (fallback ? getNumberFromEnv(fallback) : undefined);
  return {
    attributeCountLimit: number('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT'),
    attributeValueLengthLimit: number(
      'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT',
      'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
    ),
    eventCountLimit: number('OTEL_SPAN_EVENT_COUNT_LIMIT'),
    linkCountLimit: number('OTEL_SPAN_LINK_COUNT_LIMIT'),
    attributePerEventCountLimit: number('OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT'),
    attributePerLinkCountLimit: number('OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT'),
  };
}

/** OTEL_BSP_*: unset (or not positive) means the processor's defaults. */
function batchOptionsFromEnv(): Omit<BatchSpanProcessorOptions, 'exporter'> {
  const positive = (name: string) => {
    const value = getNumberFromEnv(name);
    return value !== undefined && value > 0 ? value : undefined;
  };
  return {
    maxQueueSize: positive('OTEL_BSP_MAX_QUEUE_SIZE'),
    scheduledDelayMillis: positive('OTEL_BSP_SCHEDULE_DELAY'),
    exportTimeoutMillis: positive('OTEL_BSP_EXPORT_TIMEOUT'),
    maxExportBatchSize: positive('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
  };
}

/** OTEL_PROPAGATORS: `tracecontext`, `baggage` (both by default) or `none`. */
export function propagatorFromEnv(): TextMapPropagator | undefined {
  const names = getStringListFromEnv('OTEL_PROPAGATORS') ?? ['tracecontext', 'baggage'];
  if (names.includes('none')) return undefined;
  const known: Record<string, () => TextMapPropagator> = {
    tracecontext: () => new W3CTraceContextPropagator(),
    baggage: () => new W3CBaggagePropagator(),
  };
  const propagators = [...new Set(names)].flatMap((name) => {
    const make = known[name];
    if (!make) diag.warn(`propagator "${name}" is not supported here (tracecontext, baggage)`);
    return make ? [make()] : [];
  });
  return new CompositePropagator({ propagators });
}
