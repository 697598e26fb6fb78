import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { Config } from '../../src/config.ts';
import type { Database } from '../../src/db/client.ts';
import { readyForRemovalJobOptions } from '../../src/jobs/job-options.ts';
import type { JobState } from '../../src/jobs/states.ts';
import {
  READY_FOR_REMOVAL_JOB,
  READY_FOR_REMOVAL_QUEUE,
  type ReadyForRemovalJobData,
  type ReadyForRemovalReturnValue,
} from '../../src/queue/ready-for-removal-queue.ts';
import { createRedis } from '../../src/queue/redis.ts';
import { jobRow } from './worker-jobs.ts';

/** A producer like the API's: same queue name, prefix and job options. */
export function createTestQueue(config: Config) {
  const connection = createRedis(config.redisUrl, 'bullmq', 'oc-numbers-test-queue');
  connection.on('error', () => {}); // restarts in tests are expected; ioredis reconnects
  const queue = new Queue<ReadyForRemovalJobData, ReadyForRemovalReturnValue>(
    READY_FOR_REMOVAL_QUEUE,
    {
      connection,
      prefix: config.queuePrefix,
    },
  );
  return {
    queue,
    enqueue: (job: { id: string; operatorId: string }) =>
      queue.add(
        READY_FOR_REMOVAL_JOB,
        { jobId: job.id, operatorId: job.operatorId },
        { ...readyForRemovalJobOptions(config), jobId: job.id },
      ),
    async close() {
      await queue.close();
      await connection.quit();
    },
  };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function waitForJobState(
  db: Database,
  jobId: string,
  states: JobState[],
  timeoutMs?: number,
) {
  return waitFor(
    `job ${jobId} to be ${states.join('|')}`,
    async () => {
      const row = await jobRow(db, jobId);
      return states.includes(row.state) ? row : undefined;
    },
    timeoutMs,
  );
}
