import type { FastifyInstance } from 'fastify';
import { createMetricsRegistry } from '../../metrics/registry.ts';
import { createAdminAuth } from '../auth/admin.ts';
import { createFailureBudget } from '../auth/failure-budget.ts';
import { rateLimitKeys } from '../budgets/rate-limit.ts';
import type { AppDeps } from '../deps.ts';
import { registerBullBoard } from './bull-board.ts';
import { registerHealth } from './health.ts';
import { registerMetrics } from './metrics-route.ts';

/**
 * Operations surfaces: /health/live, /health/ready, /metrics (admin), Bull Board at
 * /admin/queues (admin). Call on the root instance, so the HTTP metrics hook sees every route.
 */
export async function registerOps(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const requireAdmin = createAdminAuth({
    keys: deps.keys,
    bullBoard: deps.config.bullBoard,
    failures: createFailureBudget(deps.redis, {
      policy: 'admin-auth-failures',
      keyPrefix: rateLimitKeys(deps.config.queuePrefix).adminAuthFailures,
      max: deps.config.authFailureLimitMax,
      windowMs: deps.config.rateLimit.windowMs,
    }),
  });
  registerHealth(app, deps);
  await registerMetrics(app, deps, deps.metricsRegistry ?? createMetricsRegistry(), requireAdmin);
  await registerBullBoard(app, deps, requireAdmin);
}
