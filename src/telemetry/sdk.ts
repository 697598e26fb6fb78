import { FastifyOtelInstrumentation } from '@fastify/otel';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BullMQOtel } from 'bullmq-otel';
import type { FastifyRequest } from 'fastify';
import { subscribePostgresSpans } from './postgres-spans.ts';
import { tracingStarted } from './state.ts';

// Loaded only by register.ts, and only when the OTEL_* variables ask for traces: with tracing
// off no module of the SDK is ever imported. Everything the SDK reads (exporter, protocol,
// endpoint, headers, sampler, propagators, service name, batch sizes) comes from the standard
// variables; this module only chooses what is instrumented.

// Probes and scrapes every few seconds would bury the requests that matter.
const QUIET_PATHS = ['/metrics', '/health/live', '/health/ready', '/admin/queues'];

function ignored(route: { url: string }): boolean {
  return QUIET_PATHS.some((path) => route.url === path || route.url.startsWith(`${path}/`));
}

export function startTracing(env: NodeJS.ProcessEnv): void {
  const sdk = new NodeSDK({
    // Traces only: metrics stay on /metrics (Prometheus), logs on stdout. Without these the
    // SDK would also start OTLP metric and log exporters from the same variables.
    metricReaders: [],
    logRecordProcessors: [],
    // OTEL_SERVICE_NAME (or service.name in OTEL_RESOURCE_ATTRIBUTES) wins when set.
    ...(serviceNameUnset(env) && { serviceName: 'oc-numbers' }),
    instrumentations: [
      // @fastify/otel hooks in through Fastify's initialization channel: no module patching.
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        ignorePaths: ignored,
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
    ],
  });
  sdk.start();
  subscribePostgresSpans();
  tracingStarted({
    bullmq: new BullMQOtel({ tracerName: 'oc-numbers/bullmq' }),
    shutdown: () => sdk.shutdown(),
  });
}

function serviceNameUnset(env: NodeJS.ProcessEnv): boolean {
  return (
    !env.OTEL_SERVICE_NAME && !/(^|,)\s*service\.name\s*=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '')
  );
}
