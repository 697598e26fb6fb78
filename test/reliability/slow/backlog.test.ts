import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { waitForJobsEnded } from '../../support/invariants.ts';
import { type PrivateRedis, startPrivateRedis } from '../../support/redis-server.ts';
import { assertProblemAnswers, createClient } from '../../support/scenario/http.ts';
import { checkWorld, createScenario, type Scenario } from '../../support/scenario/scenario.ts';
import { ASYNC, ENDPOINT, tenantWithNumbers } from '../../support/scenario/tenants.ts';
import { waitFor } from '../../support/wait.ts';

// A backlog of 2,000 small jobs queued behind a poison job (its processing always fails with
// a non-transient error at position 100), drained by two workers, with Redis killed and
// restarted empty half-way through the drain. Every job must end, the poison one failed after
// its attempts with counts equal to its ledger; Redis memory and Postgres connections are
// sampled throughout.

const BACKLOG = 2000;
const POISON_SIZE = 150;
const ATTEMPTS = 3;

let world: Scenario | undefined;
let redis: PrivateRedis | undefined;
afterAll(async () => {
  await world?.close();
  await redis?.stop();
});

/** Samples Redis used memory and this database's Postgres connections until stopped. */
function startSampling(scenario: Scenario, redisUrl: string) {
  const probe = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  probe.on('error', () => {});
  const peak = { redisBytes: 0, pgConnections: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      const info = await probe.info('memory').catch(() => '');
      const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
      const [pg] = await scenario.db.sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity where datname = current_database()`;
      peak.redisBytes = Math.max(peak.redisBytes, used);
      peak.pgConnections = Math.max(peak.pgConnections, pg?.n ?? 0);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    peak,
    async stop() {
      running = false;
      await loop;
      probe.disconnect();
    },
  };
}

describe('a backlog with a poison job, and Redis losing everything half-way', () => {
  it('ends every job; the poison job fails after its attempts and blocks no one', async () => {
    redis = await startPrivateRedis();
    world = await createScenario('rel-backlog', {
      REDIS_URL: redis.url,
      RATE_LIMIT_MAX: '100000',
      WORKER_LIMITER_MAX: '100000',
      WORKER_LIMITER_DURATION_MS: '1000',
      WORKER_CONCURRENCY: '8',
      WORKER_ATTEMPTS: String(ATTEMPTS),
      RECOVERY_INTERVAL_MS: '2000',
      RECOVERY_MIN_AGE_MS: '2000',
    });
    const scenario = world;
    const api = await world.api();
    const client = createClient(api.url as string);
    const t = await tenantWithNumbers(world.db.db, BACKLOG + POISON_SIZE);
    const poisonNumbers = t.numbers.slice(BACKLOG);
    // Fault injection in this scenario's own database: the poison job's position 100 can
    // never be recorded (a non-transient error, SQLSTATE 22023).
    await world.db.sql.unsafe(`
      create function poison() returns trigger language plpgsql as $$
      begin raise exception 'poisoned number' using errcode = '22023'; end $$;
      create trigger poison before insert on job_items for each row
      when (new.telephone_number = '${poisonNumbers[100]}') execute function poison();`);

    const sampling = startSampling(world, redis.url);
    const enqueueStarted = Date.now();
    const poison = await client.request('POST', ENDPOINT, {
      key: t.key,
      headers: ASYNC,
      body: { telephoneNumbers: poisonNumbers },
    });
    expect(poison.status).toBe(202);
    const poisonId = (poison.json as { jobId: string }).jobId;
    let next = 0;
    const sendAll = async () => {
      while (next < BACKLOG) {
        const number = t.numbers[next++] as string;
        const answer = await client.request('POST', ENDPOINT, {
          key: t.key,
          headers: ASYNC,
          body: { telephoneNumbers: [number] },
        });
        expect(answer.status).toBe(202);
      }
    };
    await Promise.all(Array.from({ length: 16 }, sendAll));
    const enqueueMs = Date.now() - enqueueStarted;

    const drainStarted = Date.now();
    await Promise.all([world.worker(), world.worker()]);
    const endedCount = async () => {
      const [row] = await scenario.db.sql<{ n: number }[]>`
        select count(*)::int as n from jobs where state not in ('queued', 'active')`;
      return row?.n ?? 0;
    };
    const endedAtRestart = await waitFor(
      'half of the backlog to end',
      async () => {
        const n = await endedCount();
        return n >= BACKLOG / 2 ? n : undefined;
      },
      120_000,
      100,
    );
    const restartedAt = Date.now();
    await redis.restart();
    await waitForJobsEnded(world.db.sql, undefined, 180_000);
    const drainMs = Date.now() - drainStarted;
    const afterRestartMs = Date.now() - restartedAt;
    await sampling.stop();

    const states = await world.db.sql<{ state: string; n: number }[]>`
      select state, count(*)::int as n from jobs where id <> ${poisonId} group by state`;
    expect(states).toEqual([{ state: 'completed', n: BACKLOG }]);
    const [poisoned] = await world.db.sql<
      { state: string; processed_count: number; error: string; items: number }[]
    >`select state, processed_count, error,
             (select count(*)::int from job_items where job_id = j.id) as items
      from jobs j where id = ${poisonId}`;
    expect(poisoned).toMatchObject({ state: 'failed', processed_count: 100, items: 100 });
    expect(poisoned?.error).toMatch(/poisoned number/);
    const lines = world.allLines();
    const poisonAttempts = lines.filter(
      (l) => l.includes(poisonId) && /job attempt failed|failed on its last attempt/.test(l),
    ).length;
    expect(poisonAttempts).toBeGreaterThanOrEqual(ATTEMPTS);
    // Both workers sweep; when both re-add one job the second add is a no-op. Count jobs.
    const requeueLines = lines
      .filter((l) => l.includes('recovery: re-enqueued'))
      .map((l) => JSON.parse(l) as { jobId?: string; time: number });
    const requeued = new Set(requeueLines.map((l) => l.jobId)).size;
    const requeuedBefore = new Set(
      requeueLines.filter((l) => l.time < restartedAt).map((l) => l.jobId),
    ).size;
    // Bounded: the pools' maxima (API 10, two workers 10 each, this test 10) and a small Redis.
    expect(sampling.peak.pgConnections).toBeLessThanOrEqual(40);
    expect(sampling.peak.redisBytes).toBeLessThan(64 * 1024 * 1024);
    await checkWorld(world);
    assertProblemAnswers(client.answers);

    console.info(
      `[figure] backlog: ${BACKLOG} one-number jobs + a ${POISON_SIZE}-number poison job enqueued in ${enqueueMs} ms; ` +
        `drained by 2 workers (concurrency 8) in ${drainMs} ms (${Math.round((BACKLOG * 1000) / drainMs)} jobs/s); ` +
        `Redis restarted empty at ${endedAtRestart} ended, ${requeued} jobs re-enqueued by the sweep (${requeuedBefore} of them before the restart), all ended ${afterRestartMs} ms after the restart; ` +
        `poison job failed at ${poisoned?.processed_count} = ledger after ${poisonAttempts} failed attempt log lines; ` +
        `peaks: Redis used_memory ${(sampling.peak.redisBytes / 1048576).toFixed(1)} MiB, Postgres connections ${sampling.peak.pgConnections}`,
    );
  }, 400_000);
});
