import { z } from 'zod';
import { adminResponseHeaders } from '../openapi/headers.ts';
import { everyRouteProblems, problem } from '../openapi/problems.ts';

// The route schemas of the operations surfaces: what /health/live, /health/ready and /metrics
// answer, for the OpenAPI document (and the serializer of the JSON answers).

const CHECK_STATES = ['up', 'down', 'read-only'] as const;

// Unauthenticated (`security: []`) and unthrottled: orchestrators call them.
const health = { tags: ['operations'], security: [] };

export const livenessSchema = {
  ...health,
  operationId: 'getLiveness',
  summary: 'The process answers (restart it if not)',
  response: {
    200: z.object({ status: z.literal('ok') }).meta({ id: 'Liveness' }),
    ...everyRouteProblems(),
    503: problem(503, { description: 'SERVICE_UNAVAILABLE: the instance is shutting down' }),
  },
};

export const readinessSchema = {
  ...health,
  operationId: 'getReadiness',
  summary: 'Postgres and Redis answer within 2 s and Postgres takes writes (route traffic here)',
  response: {
    200: z
      .object({
        status: z.literal('ok'),
        checks: z.object({ postgres: z.literal('up'), redis: z.literal('up') }),
      })
      .meta({ id: 'Readiness' }),
    ...everyRouteProblems(),
    503: problem(
      503,
      {
        description:
          'SERVICE_UNAVAILABLE: not ready; `checks` says what is down. Or the instance is shutting down (no `checks`)',
      },
      {
        checks: z
          .object({ postgres: z.enum(CHECK_STATES), redis: z.enum(CHECK_STATES) })
          .optional(),
      },
    ),
  },
};

export const metricsSchema = {
  tags: ['operations'],
  operationId: 'getMetrics',
  summary: 'Prometheus metrics of this instance and of the shared stores (admin only)',
  security: [{ bearerAuth: [] as string[] }, { basicAuth: [] as string[] }] as Record<
    string,
    string[]
  >[],
  response: {
    200: {
      description: 'The Prometheus text exposition format, version 0.0.4',
      content: { 'text/plain': { schema: z.string().max(10_000_000) } },
    },
    ...everyRouteProblems(),
    401: problem(401, {
      description:
        "UNAUTHORIZED: no admin key and no right Basic credentials. Each failed attempt spends the client's failed-login budget (RateLimit); a request without credentials spends nothing",
    }),
    403: problem(403, { description: 'FORBIDDEN: an operator key; this needs an admin key' }),
    429: problem(429, {
      description: 'RATE_LIMITED: too many failed admin logins from this client',
    }),
    503: problem(503, {
      description:
        'SERVICE_UNAVAILABLE: failed credentials that cannot be counted while Redis is unreachable, or the instance is shutting down',
    }),
  },
  ...adminResponseHeaders(),
};
