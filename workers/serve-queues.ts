import type { Registry } from 'prom-client';
import type { Config } from '../src/config.ts';
import type { Database } from '../src/db/client.ts';
import type { JobObserver } from '../src/jobs/observer.ts';
import type { Logger } from '../src/logger.ts';
import { createRedis } from '../src/queue/redis.ts';
import { startWebhookDelivery } from '../src/webhooks/delivery-worker.ts';
import { createOperationWorker } from './create-worker.ts';
import { assertNoEviction } from './redis-policy.ts';

export interface ServeDeps {
  config: Config;
  db: Database;
  logger: Logger;
  observer: JobObserver;
  metricsRegistry: Registry;
}

/**
 * What a worker-only process runs, by WORKER_QUEUES: the operation jobs (with the relay that hands
 * their messages over), the webhook deliveries, or both — so deliveries can run in processes of
 * their own and be scaled apart from the operation jobs (docs/operations.md, "Webhooks").
 */
export async function serveQueues(deps: ServeDeps): Promise<{ close(): Promise<void> }> {
  const { config } = deps;
  const webhooks = config.workerQueues.includes('webhooks');
  if (config.workerQueues.includes('operations')) {
    return createOperationWorker({ ...deps, deliverWebhooks: webhooks });
  }
  // Deliveries only: the same Redis rule as the operation worker (an evicted attempt is late).
  const probe = createRedis(config.redis, 'bullmq', 'oc-numbers-webhooks-check');
  try {
    await assertNoEviction(probe);
  } finally {
    await probe.quit().catch(() => probe.disconnect());
  }
  const delivery = await startWebhookDelivery({ ...deps, deliver: true });
  deps.logger.info({ prefix: config.queuePrefix }, 'webhook delivery worker started');
  return delivery;
}
