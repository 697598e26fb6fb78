import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { waitForJobsEnded } from '../../support/invariants.ts';
import { type PrivateRedis, startPrivateRedis } from '../../support/redis-server.ts';
import { assertProblemAnswers, type Client, createClient } from '../../support/scenario/http.ts';
import { waitUntilHeldAt } from '../../support/scenario/mid-job.ts';
import { lockNumber } from '../../support/scenario/row-lock.ts';
import { checkWorld, createScenario, type Scenario } from '../../support/scenario/scenario.ts';
import { submitAsync } from '../../support/scenario/submit.ts';
import { ASYNC, ENDPOINT, tenantWithNumbers } from '../../support/scenario/tenants.ts';
import { PG_ADMIN_URL } from '../../support/services.ts';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.ts';
import { waitFor } from '../../support/wait.ts';

// Infrastructure faults: Postgres slowed and briefly unreachable (through a TCP
// proxy), Redis connections killed and Redis restarted with its data lost (a throwaway
// redis-server: the shared one on 6379 is never touched).

let world: Scenario | undefined;
let proxy: TcpProxy | undefined;
let redis: PrivateRedis | undefined;
let client: Client | undefined;

afterEach(async () => {
  if (world) {
    await waitForJobsEnded(world.db.sql, undefined, 90_000);
    await checkWorld(world);
    await world.close();
  }
  assertProblemAnswers(client?.answers ?? []);
  await proxy?.close();
  await redis?.stop();
  world = undefined;
  proxy = undefined;
  redis = undefined;
});
afterAll(async () => {
  await world?.close();
});

const submit = (numbers: string[], key: string) => submitAsync(client as Client, key, numbers);

describe('Postgres slowed, then unreachable for a while', () => {
  it('keeps every accepted job, answers 503 while cut off, and resumes', async () => {
    const pg = new URL(PG_ADMIN_URL);
    proxy = await startTcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) });
    world = await createScenario('rel-pgproxy');
    const viaProxy = new URL(world.db.url);
    viaProxy.port = String(proxy.port);
    const env = { DATABASE_URL: viaProxy.toString() };
    const [api] = await Promise.all([world.api(env), world.worker(env)]);
    client = createClient(api.url as string);
    const t = await tenantWithNumbers(world.db.db, 1000);

    proxy.setDelay(5);
    const slowStart = Date.now();
    const slow = await client.request('POST', ENDPOINT, {
      key: t.key,
      body: { telephoneNumbers: t.numbers.slice(0, 500) },
    });
    expect(slow.status).toBe(200);
    const slowMs = Date.now() - slowStart;

    const jobId = await submit(t.numbers.slice(500), t.key);
    const scenario = world;
    await waitFor('the job to be part-way', async () => {
      const [job] = await scenario.db.sql<
        { processed_count: number }[]
      >`select processed_count from jobs where id = ${jobId}`;
      return (job?.processed_count ?? 0) >= 50 ? true : undefined;
    });
    proxy.cutOff();
    const cutAt = Date.now();
    const ready = await client.request('GET', '/health/ready');
    const refused = await client.request('POST', ENDPOINT, {
      key: t.key,
      headers: ASYNC,
      body: { telephoneNumbers: ['+14255550100'] },
    });
    await waitFor('3 s of outage', async () => (Date.now() - cutAt >= 3000 ? true : undefined));
    proxy.restore();
    await waitForJobsEnded(world.db.sql, [jobId], 90_000);
    const endedMs = Date.now() - cutAt;
    expect(ready.status).toBe(503);
    expect([503]).toContain(refused.status);
    const [jobs] = await world.db.sql<{ n: number }[]>`select count(*)::int as n from jobs`;
    expect(jobs?.n).toBe(2); // the refused request left nothing behind
    const [job] = await world.db
      .sql`select state, processed_count, success_count from jobs where id = ${jobId}`;
    expect(job).toEqual({ state: 'completed', processed_count: 500, success_count: 500 });
    console.info(
      `[figure] postgres +5 ms/chunk: 500-number sync request ${slowMs} ms; 3 s outage mid-job: job completed ${endedMs} ms after the cut; ready=${ready.status}, POST=${refused.status}`,
    );
  });
});

describe('Redis connections killed, Redis restarted', () => {
  it('finishes a job whose worker lost every Redis connection (CLIENT KILL)', async () => {
    redis = await startPrivateRedis();
    world = await createScenario('rel-rkill', { REDIS_URL: redis.url });
    const [process] = await Promise.all([world.api(), world.worker()]);
    const api = createClient(process.url as string);
    client = api;
    const t = await tenantWithNumbers(world.db.db, 500);
    const lock = await lockNumber(world.db.url, t.numbers[200] as string);
    const jobId = await submit(t.numbers, t.key);
    await waitUntilHeldAt(world, jobId, 200);
    const killed = await redis.killClients();
    await lock.release();
    await waitForJobsEnded(world.db.sql, [jobId], 60_000);
    const [job] = await world.db
      .sql`select state, processed_count, success_count from jobs where id = ${jobId}`;
    expect(job).toEqual({ state: 'completed', processed_count: 500, success_count: 500 });
    // The API reconnects too: the next request works.
    const after = await waitFor('the API to take requests again', async () => {
      const answer = await api.request('POST', ENDPOINT, {
        key: t.key,
        headers: ASYNC,
        body: { telephoneNumbers: ['+14255550101'] },
      });
      return answer.status === 202 ? answer : undefined;
    });
    expect(after.status).toBe(202);
    console.info(
      `[figure] CLIENT KILL of ${killed} connections mid-job: job completed, API took requests again`,
    );
  });

  it('loses nothing when Redis restarts empty mid-job: running jobs finish, lost ones are re-enqueued from Postgres', async () => {
    redis = await startPrivateRedis();
    world = await createScenario('rel-rrestart', { REDIS_URL: redis.url, WORKER_CONCURRENCY: '1' });
    const [api] = await Promise.all([world.api(), world.worker()]);
    client = createClient(api.url as string);
    const t = await tenantWithNumbers(world.db.db, 700);
    const lock = await lockNumber(world.db.url, t.numbers[200] as string);
    const running = await submit(t.numbers.slice(0, 500), t.key);
    await waitUntilHeldAt(world, running, 200);
    // Two more jobs wait in Redis behind it (concurrency 1): a restart without persistence loses them.
    const waiting = [
      await submit(t.numbers.slice(500, 600), t.key),
      await submit(t.numbers.slice(600), t.key),
    ];
    const restartedAt = Date.now();
    await redis.restart();
    const during = await client.request('POST', ENDPOINT, {
      key: t.key,
      headers: ASYNC,
      body: { telephoneNumbers: ['+14255550102'] },
    });
    await lock.release();
    await waitForJobsEnded(world.db.sql, [running], 60_000);
    // The sweep re-enqueues jobs older than 30 s that BullMQ does not know; age them instead of
    // waiting, then start a worker (each worker sweeps when it starts, then every 30 s).
    await world.db
      .sql`update jobs set created_at = created_at - interval '1 minute' where id = any(${waiting}::uuid[])`;
    await world.worker();
    await waitForJobsEnded(world.db.sql, waiting, 60_000);
    const ended = await world.db.sql<{ state: string; processed_count: number }[]>`
      select state, processed_count from jobs where id = any(${[running, ...waiting]}::uuid[]) order by requested_count desc`;
    expect(ended).toEqual([
      { state: 'completed', processed_count: 500 },
      { state: 'completed', processed_count: 100 },
      { state: 'completed', processed_count: 100 },
    ]);
    expect([202, 503]).toContain(during.status);
    console.info(
      `[figure] redis restart (data lost) mid-job: all 3 jobs completed ${Date.now() - restartedAt} ms after the restart; POST right after restart → ${during.status}`,
    );
  });
});
