import { Queue, QueueEvents } from 'bullmq';
import type { Config } from '../../src/config.ts';
import type { Env } from '../../src/config-env.ts';
import type { Database } from '../../src/db/client.ts';
import type { JobState } from '../../src/domain/statuses.ts';
import {
  OPERATION_QUEUE,
  type OperationJobData,
  type OperationReturnValue,
  operationJobOptions,
} from '../../src/queue/operation-queue.ts';
import { createRedis } from '../../src/queue/redis.ts';
import { testConfig } from './config.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { forTheFile } from './for-the-file.ts';
import { deletePrefix, uniquePrefix } from './redis.ts';
import { waitFor } from './wait.ts';
import { jobRow } from './worker-jobs.ts';

/** A producer like the API's: same queue name, prefix and job options. */
export function createTestQueue(config: Config) {
  const connection = createRedis(config.redisUrl, 'bullmq', 'oc-numbers-test-queue');
  connection.on('error', () => {}); // restarts in tests are expected; ioredis reconnects
  const queue = new Queue<OperationJobData, OperationReturnValue>(OPERATION_QUEUE, {
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
        { ...operationJobOptions(config), jobId: job.id },
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
  const events = new QueueEvents(OPERATION_QUEUE, {
    connection: { url: config.redisUrl },
    prefix: config.queuePrefix,
  });
  await events.waitUntilReady();
  return events;
}

export interface QueueSuite {
  t: TestDatabase;
  config: Config;
  prefix: string;
  /** A producer like the API's on the file's queue. */
  producer: ReturnType<typeof createTestQueue>;
  /** The queue's events, ready. */
  events: QueueEvents;
}

/**
 * What the worker test files start from: their own database and queue prefix, its config, a
 * producer and the queue's events; opened before the file's tests, closed after them. A worker the file starts in a later `beforeAll` is closed first (hooks unwind in
 * reverse).
 */
export function useQueueSuite(
  label: string,
  overrides: Partial<Record<keyof Env, string>> = {},
): QueueSuite {
  const prefix = uniquePrefix(label);
  return forTheFile(
    async () => {
      const t = await createTestDatabase();
      const config = testConfig(t.url, prefix, overrides);
      const producer = createTestQueue(config);
      const events = await createTestQueueEvents(config);
      return { t, config, prefix, producer, events };
    },
    async ({ t, producer, events }) => {
      await events.close();
      await producer.close();
      await deletePrefix(prefix);
      await t.drop();
    },
  );
}
