import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { createHttpMetrics } from '../../metrics/http.ts';
import { registerStateMetrics } from '../../metrics/state.ts';
import type { AppDeps } from '../deps.ts';
import { everyRouteProblems, problem } from '../openapi-problems.ts';

/**
 * `GET /metrics` (admin only) plus the hook that counts every HTTP answer of the app. Call on
 * the root instance so the hook sees every route.
 */
export async function registerMetrics(
  app: FastifyInstance,
  deps: Pick<AppDeps, 'db' | 'queue' | 'logger'>,
  registry: Registry,
  requireAdmin: onRequestAsyncHookHandler,
): Promise<void> {
  const http = createHttpMetrics(registry);
  app.addHook('onResponse', async (request, reply) => {
    http.observe(request, reply);
  });
  registerStateMetrics(registry, { sql: deps.db.$client, queue: deps.queue, logger: deps.logger });

  await app.register(async (scope) => {
    scope.addHook('onRequest', requireAdmin);
    scope
      .withTypeProvider<ZodTypeProvider>()
      .get('/metrics', { schema: metricsSchema }, async (_request, reply) => {
        const body = await registry.metrics();
        return reply.type(registry.contentType).send(body as never); // a string, sent as is
      });
  });
}

const metricsSchema = {
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
        "UNAUTHORIZED: no admin key and no right Basic credentials. Each failure spends the client's failed-login budget (RateLimit)",
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
};
