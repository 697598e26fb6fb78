import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { Registry } from 'prom-client';
import { createHttpMetrics } from '../../metrics/http.ts';
import { registerStateMetrics } from '../../metrics/state.ts';
import type { AppDeps } from '../deps.ts';
import { metricsSchema } from './ops-schemas.ts';

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
    scope.get('/metrics', { schema: metricsSchema }, async (_request, reply) => {
      const body = await registry.metrics();
      return reply.type(registry.contentType).send(body);
    });
  });
}
