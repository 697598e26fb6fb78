import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_QUEUE } from '../../src/queue/operation-queue.ts';
import { createMarkedJob, createTenant } from '../support/factories.ts';
import { createScenario, type Scenario } from '../support/scenario/scenario.ts';
import { waitFor } from '../support/wait.ts';

// The progress watch every scenario runs (support/scenario/progress-watch.ts) must see what it
// promises to see: Postgres progress going back, BullMQ ahead of Postgres, a completed job's
// counts that differ. Staged by hand on a job no worker runs.

let world: Scenario;
let redis: Redis;

beforeAll(async () => {
  world = await createScenario('rel-pwatch');
  redis = new Redis(world.env.REDIS_URL as string);
});
afterAll(async () => {
  await redis?.quit();
  await world?.close();
});

/** Two more samples: the change before this call has been seen. */
async function sampled() {
  const from = world.progress.samples();
  await waitFor('two samples', async () =>
    world.progress.samples() >= from + 2 ? true : undefined,
  );
}

describe('the progress watch', () => {
  it('names progress that goes back, BullMQ ahead of Postgres, and completed counts that differ', async () => {
    const tenant = await createTenant(world.db.db);
    const { job } = await createMarkedJob(world.db.db, tenant, 10, { state: 'active' });
    const setCounts = (processed: number) =>
      world.db.sql`update jobs set processed_count = ${processed} where id = ${job.id}`;
    const key = `${world.prefix}:${OPERATION_QUEUE}:${job.id}`;

    await setCounts(5);
    await sampled();
    await world.progress.check(); // nothing wrong yet
    await setCounts(3);
    await sampled();
    await expect(world.progress.check()).rejects.toThrow(/went back from 5\/0 to 3\/0/);

    await redis.hset(key, 'progress', JSON.stringify({ processedCount: 9, successCount: 0 }));
    await sampled();
    await expect(world.progress.check()).rejects.toThrow(
      /BullMQ progress 9\/0 ahead of Postgres 3\/0/,
    );

    await redis.hset(key, 'progress', JSON.stringify({ processedCount: 3, successCount: 0 }));
    await redis.hset(key, 'returnvalue', JSON.stringify({ processedCount: 2, successCount: 0 }));
    await expect(world.progress.check()).rejects.toThrow(
      /BullMQ completed it with 2\/0, Postgres has 3\/0/,
    );
    await redis.hset(key, 'returnvalue', JSON.stringify({ processedCount: 3, successCount: 0 }));
    await world.progress.check();
  });
});
