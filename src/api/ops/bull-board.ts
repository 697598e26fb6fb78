import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import { operationNamed } from '../../domain/operations.ts';
import type { JobProgress } from '../../jobs/result-schemas.ts';
import { createRedis } from '../../queue/redis.ts';
import { WEBHOOK_QUEUE } from '../../webhooks/queue.ts';
import type { AppDeps } from '../deps.ts';

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board in an encapsulated plugin: the admin hook guards only its routes, and the
 * endpoint's rate limit (route-scoped) never applies to the board or its polling API.
 */
export async function registerBullBoard(
  app: FastifyInstance,
  deps: Pick<AppDeps, 'queue' | 'config'>,
  requireAdmin: onRequestAsyncHookHandler,
): Promise<void> {
  await app.register(async (board) => {
    board.addHook('onRequest', requireAdmin);
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(BULL_BOARD_PATH);
    const queue = new LimiterAwareAdapter(deps.queue, deps.config.worker.limiter.max, {
      readOnlyMode: false,
      displayName: 'Number actions',
      description:
        'One job per operation request; the job name is its operation (ready for removal, clear removal status).',
    });
    queue.setFormatter('name', readableJobName);
    // The webhook delivery queue (src/webhooks/): one job per attempt, or per few attempts of
    // one endpoint due together, on a connection of its own (the workers own the queue).
    const boardRedis = createRedis(deps.config.redis, 'bullmq', 'ocn-api-board');
    boardRedis.on('error', () => {}); // the board's reads fail while Redis is away; nothing else
    const deliveryQueue = new Queue(WEBHOOK_QUEUE, {
      connection: boardRedis,
      prefix: deps.config.queuePrefix,
    });
    board.addHook('onClose', async () => {
      await deliveryQueue.close();
      await boardRedis.quit().catch(() => boardRedis.disconnect());
    });
    const deliveries = new BullMQAdapter(deliveryQueue, {
      readOnlyMode: false,
      displayName: 'Webhook deliveries',
      description:
        'Attempts of signed messages to one endpoint: one per job (id wh.<message>.<endpoint>.<attempt>), or up to 10 due together (id wh.<endpoint>.<count>.<digest>; the job data lists them). Postgres keeps each delivery (GET …/webhooks/{id}/deliveries).',
    });
    createBullBoard({
      queues: [queue, deliveries],
      serverAdapter,
      options: { uiConfig: { boardTitle: 'oc-numbers' } },
    });
    await board.register(serverAdapter.registerPlugin(), { prefix: BULL_BOARD_PATH });
  });
}

/**
 * The board's "rate limited" badge asks BullMQ for the limiter window's TTL without the
 * limit, so it shows "rate limited" whenever a window is open, even after one job. Passing the
 * workers' limit (WORKER_LIMITER_MAX) makes it show only a limiter that is really exhausted.
 */
class LimiterAwareAdapter extends BullMQAdapter {
  readonly #queue: AppDeps['queue'];
  readonly #maxJobs: number;
  constructor(
    queue: AppDeps['queue'],
    maxJobs: number,
    options: ConstructorParameters<typeof BullMQAdapter>[1],
  ) {
    super(queue, options);
    this.#queue = queue;
    this.#maxJobs = maxJobs;
  }
  override async getActiveRateLimitTtl(): Promise<number> {
    const ttl = await this.#queue.getRateLimitTtl(this.#maxJobs);
    return Math.max(ttl, 0);
  }
}

interface BoardJob {
  name?: string;
  data?: { operatorId?: unknown };
  progress?: unknown;
}

/** "Ready for removal · 500 numbers · operator 1f2e3d4c": the operation, from the job name. */
export function readableJobName(job: BoardJob): string {
  const parts = [(job.name && operationNamed(job.name)?.title) || job.name || 'Unknown operation'];
  const progress = job.progress as Partial<JobProgress> | undefined;
  if (typeof progress === 'object' && typeof progress.requestedCount === 'number') {
    parts.push(`${progress.requestedCount} numbers`);
  }
  const operatorId = job.data?.operatorId;
  if (typeof operatorId === 'string') parts.push(`operator ${operatorId.slice(0, 8)}`);
  return parts.join(' · ');
}
