import { Queue, QueueEvents } from 'bullmq';
import type { Config } from '../src/config.ts';
import { OPERATION_QUEUE, type OperationJobData } from '../src/queue/operation-queue.ts';
import { createRedis } from '../src/queue/redis.ts';
import { waitFor } from '../test/support/wait.ts';
import { benchProcessEnv, type NodeChild, spawnNode } from './processes.ts';

export interface FleetOptions {
  config: Config;
  databaseUrl: string;
  queuePrefix: string;
  processes: number;
  concurrency: number;
  /** More settings for the worker processes. */
  env?: Record<string, string>;
  /** The tree the workers run from (a baseline's); this one by default. */
  root?: string | undefined;
}

/**
 * Worker processes (`workers/main.ts`, as deployed) plus the bench's own queue
 * and event listener, to enqueue jobs as the API does and count their completions.
 */
export async function startWorkerFleet(options: FleetOptions) {
  const { config, queuePrefix } = options;
  const env = {
    ...benchProcessEnv({
      databaseUrl: options.databaseUrl,
      redisUrl: config.redisUrl,
      queuePrefix,
    }),
    WORKER_CONCURRENCY: String(options.concurrency),
    // The worker's global limiter is a product guard, not what is measured here.
    WORKER_LIMITER_MAX: '1000000',
    ...options.env,
  };
  const children: NodeChild[] = Array.from({ length: options.processes }, () =>
    spawnNode('workers/main.ts', env, options.root),
  );
  const connection = createRedis(config.redisUrl, 'bullmq', 'bench-fleet');
  const queue = new Queue<OperationJobData>(OPERATION_QUEUE, {
    connection,
    prefix: queuePrefix,
  });
  const events = new QueueEvents(OPERATION_QUEUE, {
    connection: { url: config.redisUrl },
    prefix: queuePrefix,
  });
  const close = async () => {
    await Promise.all(children.map((c) => c.stop()));
    await events.close();
    await queue.close();
    await connection.quit();
  };
  try {
    await events.waitUntilReady();
    await waitFor(
      `${options.processes} worker processes`,
      async () => (await queue.getWorkersCount()) >= options.processes || undefined,
      30_000,
      50,
    );
  } catch (err) {
    const output = children.map((c) => c.output()).join('\n');
    await close();
    throw new Error(`${(err as Error).message}; their output:\n${output}`);
  }
  return {
    children,
    /** Enqueues the jobs (rows already in Postgres) and resolves when all have completed. */
    async runAll(jobs: readonly { jobId: string; operatorId: string }[]): Promise<void> {
      const pending = new Set(jobs.map((j) => j.jobId));
      const done = new Promise<void>((resolve, reject) => {
        const onCompleted = ({ jobId }: { jobId: string }) => {
          pending.delete(jobId);
          if (pending.size === 0) finish();
        };
        const onFailed = ({ jobId, failedReason }: { jobId: string; failedReason: string }) => {
          if (pending.has(jobId)) finish(new Error(`job ${jobId} failed: ${failedReason}`));
        };
        const finish = (err?: Error) => {
          events.off('completed', onCompleted);
          events.off('failed', onFailed);
          if (err) reject(err);
          else resolve();
        };
        events.on('completed', onCompleted);
        events.on('failed', onFailed);
      });
      await queue.addBulk(
        jobs.map((data) => ({ name: 'ready-for-removal', data, opts: { jobId: data.jobId } })),
      );
      await done;
    },
    close,
  };
}
