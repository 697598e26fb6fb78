import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import { operationNamed } from '../../domain/operations.ts';
import type { JobProgress } from '../../jobs/result-schemas.ts';
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
    createBullBoard({
      queues: [queue],
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
