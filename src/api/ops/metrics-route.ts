import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { Registry } from 'prom-client';
import { registerBacklogMetrics } from '../../metrics/backlog.ts';
import { createHttpMetrics } from '../../metrics/http.ts';
import { registerReadinessMetric } from '../../metrics/readiness.ts';
import { registerStateMetrics } from '../../metrics/state.ts';
import type { AppDeps } from '../deps.ts';
import { readinessChecks } from './health.ts';
import { metricsSchema } from './ops-schemas.ts';

/**
 * `GET /metrics` (admin only) plus the hook that counts every HTTP answer of the app. Call on
 * the root instance so the hook sees every route.
 */
export async function registerMetrics(
  app: FastifyInstance,
  deps: Pick<AppDeps, 'config' | 'db' | 'redis' | 'queue' | 'logger'>,
  registry: Registry,
  requireAdmin: onRequestAsyncHookHandler,
): Promise<void> {
  const http = createHttpMetrics(registry);
  app.addHook('onResponse', async (request, reply) => {
    http.observe(request, reply);
  });
  // The gauges' statements are postgres.js templates (src/metrics/), read at scrape time.
  const sql = deps.db.$client;
  registerStateMetrics(registry, { sql, queue: deps.queue, logger: deps.logger });
  registerBacklogMetrics(registry, {
    sql,
    logger: deps.logger,
    syncWaitMs: deps.config.syncWaitMs,
  });
  registerReadinessMetric(registry, () => readinessChecks(deps));

  await app.register(async (scope) => {
    scope.addHook('onRequest', requireAdmin);
    scope.get('/metrics', { schema: metricsSchema }, async (_request, reply) => {
      const body = await registry.metrics();
      return reply.type(registry.contentType).send(body);
    });
  });
}
