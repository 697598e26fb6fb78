import { Queue, QueueEvents } from 'bullmq';
import type { Config } from '../../src/config.ts';
import type { Database } from '../../src/db/client.ts';
import type { JobState } from '../../src/db/enums.ts';
import {
  ACTION_QUEUE,
  type ActionJobData,
  type ActionReturnValue,
  actionJobOptions,
} from '../../src/queue/action-queue.ts';
import { createRedis } from '../../src/queue/redis.ts';
import { waitFor } from './wait.ts';
import { jobRow } from './worker-jobs.ts';

/** A producer like the API's: same queue name, prefix and job options. */
export function createTestQueue(config: Config) {
  const connection = createRedis(config.redisUrl, 'bullmq', 'oc-numbers-test-queue');
  connection.on('error', () => {}); // restarts in tests are expected; ioredis reconnects
  const queue = new Queue<ActionJobData, ActionReturnValue>(ACTION_QUEUE, {
    connection,
    prefix: config.queuePrefix,
  });
  return {
    queue,
    /** The queue's own connection. */
    connection,
    enqueue: (job: { id: string; operatorId: string }) =>
      queue.add(
        'ready-for-removal',
        { jobId: job.id, operatorId: job.operatorId },
        { ...actionJobOptions(config), jobId: job.id },
      ),
    async close() {
      await queue.close();
      await connection.quit();
    },
  };
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

/** The queue's events (completed, failed, progress), ready to listen to. */
export async function createTestQueueEvents(config: Config): Promise<QueueEvents> {
  const events = new QueueEvents(ACTION_QUEUE, {
    connection: { url: config.redisUrl },
    prefix: config.queuePrefix,
  });
  await events.waitUntilReady();
  return events;
}
