import { FastifyOtelInstrumentation } from '@fastify/otel';
import { context, DiagConsoleLogger, diag, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { diagLogLevelFromString, getStringFromEnv } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import type { FastifyRequest } from 'fastify';
import { bullmqTelemetry } from './bullmq-spans.ts';
import {
  propagatorFromEnv,
  samplerFromEnv,
  spanLimitsFromEnv,
  spanProcessorsFromEnv,
} from './env-config.ts';
import { subscribePostgresSpans } from './postgres-spans.ts';
import { tracingStarted } from './state.ts';
import { untracedPath } from './untraced-paths.ts';

// Loaded only by register.ts, and only when the OTEL_* variables ask for traces: with tracing
// off no module of the SDK is ever imported. Everything the SDK reads (exporter, protocol,
// endpoint, headers, sampler, propagators, service name, batch sizes) comes from the standard
// variables (env-config.ts); this module only chooses what is instrumented. Traces only:
// metrics stay on /metrics (Prometheus), logs on stdout.

export async function startTracing(): Promise<void> {
  const logLevel = getStringFromEnv('OTEL_LOG_LEVEL');
  if (logLevel) diag.setLogger(new DiagConsoleLogger(), diagLogLevelFromString(logLevel));
  const provider = new TracerProvider({
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (the env detector) win over the default.
    resource: defaultResource()
      .merge(resourceFromAttributes({ 'service.name': 'oc-numbers' }))
      .merge(detectResources({ detectors: [envDetector, processDetector, hostDetector] })),
    sampler: samplerFromEnv(),
    spanLimits: spanLimitsFromEnv(),
    spanProcessors: await spanProcessorsFromEnv(),
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const propagator = propagatorFromEnv();
  if (propagator) propagation.setGlobalPropagator(propagator);
  trace.setGlobalTracerProvider(provider);
  registerInstrumentations({ instrumentations: instrumentations() });
  subscribePostgresSpans();
  tracingStarted({
    bullmq: bullmqTelemetry('oc-numbers/bullmq'),
    shutdown: () => provider.shutdown(),
  });
}

function instrumentations() {
  return [
    // @fastify/otel hooks in through Fastify's initialization channel: no module patching.
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      ignorePaths: (route) => untracedPath(route.url),
      // A span per lifecycle hook (helmet's, auth, budgets…) would double a request's spans;
      // their SQL and Redis spans hang under the request span instead.
      instrumentHooks: false,
      // The handler span's default name is the plugin's source text; name the route instead.
      lifecycleHook: (span, info) => {
        if (info.hookName === 'handler') {
          span.updateName(`handler ${info.request.routeOptions.url ?? 'unknown route'}`);
        }
      },
      requestHook: (span, request: FastifyRequest) =>
        span.updateName(`${request.method} ${request.routeOptions.url ?? 'unknown route'}`),
    }),
    // Only the commands of a traced request or job: BullMQ's blocking polls and stalled
    // checks would otherwise each start a trace of their own.
    // The command name only: BullMQ's script arguments carry whole jobs (data and options).
    new IORedisInstrumentation({
      requireParentSpan: true,
      dbStatementSerializer: (name) => name,
    }),
  ];
}
