import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createOperationWorker } from '../../workers/create-worker.ts';
import { RedisPolicyError } from '../../workers/redis-policy.ts';
import { testConfig } from '../support/config.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { uniquePrefix } from '../support/redis.ts';
import { startPrivateRedis } from '../support/redis-server.ts';
import { waitFor } from '../support/wait.ts';
import { createHeldJobs } from '../support/worker-blocker.ts';
import { jobRow, ledgerCounts, recordedOnce } from '../support/worker-jobs.ts';
import { createTestQueue, waitForJobState } from '../support/worker-queue.ts';

let t: TestDatabase;
const servers: Awaited<ReturnType<typeof startPrivateRedis>>[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await t?.drop();
});

function configFor(redisUrl: string, env: Record<string, string> = {}): Config {
  return testConfig(t.url, uniquePrefix('wredis'), { REDIS_URL: redisUrl, ...env });
}

describe('the worker and its Redis', () => {
  it('refuses to start on a Redis that may evict keys, saying why', async () => {
    const redis = await startPrivateRedis('allkeys-lru');
    servers.push(redis);
    const config = configFor(redis.url);
    const starting = createOperationWorker({ config, db: t.db, logger: createLogger(config) });
    await expect(starting).rejects.toBeInstanceOf(RedisPolicyError);
    await expect(starting).rejects.toThrow(/maxmemory-policy is "allkeys-lru".*noeviction/);
  });

  it('survives a Redis restart that lost every job: reconnects and re-enqueues from Postgres', async () => {
    const redis = await startPrivateRedis();
    servers.push(redis);
    const config = configFor(redis.url, { WORKER_CHUNK_SIZE: '50' });
    const running = await createOperationWorker({
      config,
      db: t.db,
      logger: createLogger(config),
      recoveryIntervalMs: 300,
      recoveryMinAgeMs: 0,
    });
    const producer = createTestQueue(config);
    try {
      // Job A runs (held inside its chunk 100..149) when Redis loses everything; job B is
      // committed in Postgres but its enqueue is lost (as if the API died, or Redis lost it).
      const { jobs, blocker } = await createHeldJobs(t, [200, 100], 120);
      const [a, b] = jobs as [(typeof jobs)[0], (typeof jobs)[0]];
      await producer.enqueue(a);
      await waitFor('job A to be mid-job', async () =>
        (await jobRow(t.db, a.id)).processedCount === 100 ? true : undefined,
      );
      await redis.restart();
      await blocker.release();

      for (const [row, count] of [[a, 200] as const, [b, 100] as const]) {
        const done = await waitForJobState(t.db, row.id, ['completed'], 20_000);
        expect(done).toMatchObject({ processedCount: count, successCount: count });
        expect(await ledgerCounts(t.db, row.id)).toEqual(recordedOnce(count, count));
      }
    } finally {
      await producer.close();
      await running.close();
    }
  });
});
