import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { JobProgress } from '../../queue/ready-for-removal-queue.ts';
import type { AppDeps } from '../deps.ts';

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board in an encapsulated plugin: the admin hook guards only its routes, and the
 * endpoint's rate limit (route-scoped) never applies to the board or its polling API.
 */
export async function registerBullBoard(
  app: FastifyInstance,
  deps: Pick<AppDeps, 'queue'>,
  requireAdmin: onRequestAsyncHookHandler,
): Promise<void> {
  await app.register(async (board) => {
    board.addHook('onRequest', requireAdmin);
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(BULL_BOARD_PATH);
    const queue = new BullMQAdapter(deps.queue, {
      readOnlyMode: false,
      displayName: 'Ready for removal',
      description: 'Confirms MarkedForRemoval numbers as ReadyForRemoval; one job per request.',
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

interface BoardJob {
  name?: string;
  data?: { operatorId?: unknown };
  progress?: unknown;
}

/** "Ready for removal · 500 numbers · operator 1f2e3d4c" instead of the bare job name. */
export function readableJobName(job: BoardJob): string {
  const parts = ['Ready for removal'];
  const progress = job.progress as Partial<JobProgress> | undefined;
  if (typeof progress === 'object' && typeof progress.requestedCount === 'number') {
    parts.push(`${progress.requestedCount} numbers`);
  }
  const operatorId = job.data?.operatorId;
  if (typeof operatorId === 'string') parts.push(`operator ${operatorId.slice(0, 8)}`);
  return parts.join(' · ');
}
