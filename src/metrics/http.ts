import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import { once } from './registry.ts';

const LABELS = ['method', 'route', 'status_code'] as const;

/**
 * HTTP request metrics, labelled by the route *template* (`/v1/jobs/:jobId`), never the raw
 * URL: raw URLs would create one time series per job id. Unmatched URLs count as `unmatched`.
 */
export function createHttpMetrics(registry: Registry) {
  const requests = once(
    registry,
    'ocn_http_requests_total',
    () =>
      new Counter({
        name: 'ocn_http_requests_total',
        help: 'HTTP requests answered, by method, route template and status code.',
        labelNames: LABELS,
        registers: [registry],
      }),
  );
  const duration = once(
    registry,
    'ocn_http_request_duration_seconds',
    () =>
      new Histogram({
        name: 'ocn_http_request_duration_seconds',
        help: 'Time to answer HTTP requests, by method, route template and status code.',
        labelNames: LABELS,
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      }),
  );
  const rateLimited = once(
    registry,
    'ocn_rate_limit_rejections_total',
    () =>
      new Counter({
        name: 'ocn_rate_limit_rejections_total',
        help: 'Requests rejected with 429 Too Many Requests, by route template.',
        labelNames: ['route'],
        registers: [registry],
      }),
  );

  return {
    /** For an `onResponse` hook: runs after the reply is sent, so it adds no latency. */
    observe(request: FastifyRequest, reply: FastifyReply): void {
      const route = request.routeOptions.url ?? 'unmatched';
      const labels = { method: request.method, route, status_code: reply.statusCode };
      requests.inc(labels);
      duration.observe(labels, reply.elapsedTime / 1000);
      if (reply.statusCode === 429) rateLimited.inc({ route });
    },
  };
}
