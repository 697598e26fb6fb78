import type { Config } from '../src/config.ts';
import type { Database } from '../src/db/client.ts';
import { recoverOrphanedJobs } from '../src/jobs/recovery.ts';
import type { Logger } from '../src/logger.ts';
import { type OperationQueue, operationJobOptions } from '../src/queue/operation-queue.ts';
import type { RedisClient } from '../src/queue/redis.ts';

export interface RecoverySweepOptions {
  /** How often (0 = never). */
  intervalMs: number;
  /** Jobs younger than this are not reconciled: the API may be between commit and enqueue. */
  minAgeMs: number;
}

/**
 * Reconciles Postgres with BullMQ at start and then every `intervalMs`, in the background.
 * `stop()` ends the timer and waits for a sweep in progress.
 */
export function startRecoverySweep(
  deps: { config: Config; db: Database; queue: OperationQueue; redis: RedisClient; logger: Logger },
  options: RecoverySweepOptions,
) {
  const recover = () =>
    recoverOrphanedJobs({
      db: deps.db,
      queue: deps.queue,
      redis: deps.redis,
      jobOptions: operationJobOptions(deps.config),
      logger: deps.logger,
      minAgeMs: options.minAgeMs,
    }).catch((err: unknown) =>
      deps.logger.warn({ err }, 'recovery sweep failed; next one retries'),
    );
  if (options.intervalMs <= 0) return { stop: async () => {} };
  // A sweep over thousands of orphaned jobs can outlast the interval: never two at once.
  let sweeping: Promise<void> | undefined;
  const sweep = () => {
    sweeping ??= recover().then(() => {
      sweeping = undefined;
    });
  };
  sweep();
  const timer = setInterval(sweep, options.intervalMs);
  timer.unref();
  return {
    async stop(): Promise<void> {
      clearInterval(timer);
      await sweeping;
    },
  };
}
