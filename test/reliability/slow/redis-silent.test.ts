import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { waitForJobsEnded } from '../../support/invariants.ts';
import { holderOf } from '../../support/processes.ts';
import { type PrivateRedis, startPrivateRedis } from '../../support/redis-server.ts';
import { assertProblemAnswers, createClient } from '../../support/scenario/http.ts';
import { waitUntilHeldAt } from '../../support/scenario/mid-job.ts';
import { lockNumber } from '../../support/scenario/row-lock.ts';
import { checkWorld, createScenario, type Scenario } from '../../support/scenario/scenario.ts';
import { ASYNC, ENDPOINT, tenantWithNumbers } from '../../support/scenario/tenants.ts';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.ts';
import { waitFor } from '../../support/wait.ts';

// Redis goes silent (a throwaway redis-server behind a TCP proxy that stops delivering
// anything, without resetting a connection) for three worker lock durations while a job
// runs, then comes back. Every POST meanwhile must answer 503 within 2 s, the running job must
// end with each number once, and the same worker processes must take new jobs afterwards.
// Second variant: the primary dies, a replica is promoted (REPLICAOF NO ONE) and the address
// the service uses moves to it (the proxy is retargeted, as a VIP or DNS failover would).

const LOCK_MS = 2000;
const SILENCE_MS = 3 * LOCK_MS;

let world: Scenario | undefined;
let proxy: TcpProxy | undefined;
let redis: PrivateRedis | undefined;
let replica: PrivateRedis | undefined;
afterAll(async () => {
  await world?.close();
  await proxy?.close();
  await redis?.stop();
  await replica?.stop();
});

/**
 * An API and two workers; a 500-number job is accepted and held at its 200th number by a row
 * lock (release `lock` to let it go on). `submit` posts more numbers of the same tenant.
 */
async function startJobHeldMidway(world: Scenario) {
  const [api] = await Promise.all([world.api(), world.worker(), world.worker()]);
  const client = createClient(api.url as string);
  const t = await tenantWithNumbers(world.db.db, 600);
  const lock = await lockNumber(world.db.url, t.numbers[200] as string);
  const submit = (numbers: string[]) =>
    client.request('POST', ENDPOINT, {
      key: t.key,
      headers: ASYNC,
      body: { telephoneNumbers: numbers },
    });
  const accepted = await submit(t.numbers.slice(0, 500));
  expect(accepted.status).toBe(202);
  const running = (accepted.json as { jobId: string }).jobId;
  await waitUntilHeldAt(world, running, 200);
  /** After the outage: waits for the API to accept a job again (the last 50 numbers), then for it to end. */
  const newJobEnded = async (what: string) => {
    const after = await waitFor(what, async () => {
      const answer = await submit(t.numbers.slice(550, 600));
      return answer.status === 202 ? answer : undefined;
    });
    const newJob = (after.json as { jobId: string }).jobId;
    await waitForJobsEnded(world.db.sql, [newJob], 60_000);
    return newJob;
  };
  return { client, t, lock, submit, running, newJobEnded };
}

describe('Redis goes silent, then fails over', () => {
  it('answers 503 within 2 s meanwhile, loses nothing, and its workers go on', async () => {
    redis = await startPrivateRedis();
    proxy = await startTcpProxy({ host: '127.0.0.1', port: redis.port });
    world = await createScenario('rel-rsilent', {
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      WORKER_LOCK_DURATION_MS: String(LOCK_MS),
    });
    const { client, t, lock, submit, running, newJobEnded } = await startJobHeldMidway(world);

    proxy.silence();
    const silencedAt = Date.now();
    await lock.release();
    const during: { status: number; ms: number }[] = [];
    let i = 0;
    while (Date.now() - silencedAt < SILENCE_MS) {
      const started = Date.now();
      const answer = await submit([t.numbers[500 + i++] as string]);
      during.push({ status: answer.status, ms: Date.now() - started });
    }
    proxy.restore();
    const restoredAt = Date.now();

    await waitForJobsEnded(world.db.sql, [running], 60_000);
    const ranEndedMs = Date.now() - restoredAt;
    // After the outage the same two worker processes take a new job.
    const newJob = await newJobEnded('the API to accept a job again');
    const takenMs = Date.now() - restoredAt;

    expect(during.length).toBeGreaterThan(0);
    expect(during.every((d) => d.status === 503)).toBe(true);
    expect(Math.max(...during.map((d) => d.ms))).toBeLessThan(2000);
    const jobs = await world.db.sql<{ id: string; state: string; processed_count: number }[]>`
      select id, state, processed_count from jobs order by requested_count desc`;
    expect(jobs).toEqual([
      { id: running, state: 'completed', processed_count: 500 },
      { id: newJob, state: 'completed', processed_count: 50 },
    ]);
    const workers = world.processes.filter((p) => p.kind === 'worker');
    expect(holderOf(workers, newJob)).toBeDefined();
    await checkWorld(world);
    assertProblemAnswers(client.answers);
    const ms = during.map((d) => d.ms).sort((a, b) => a - b);
    console.info(
      `[figure] redis silent ${SILENCE_MS} ms (lock ${LOCK_MS} ms) mid-job: ${during.length} POSTs meanwhile, all 503, ` +
        `in ${ms[0]}–${ms.at(-1)} ms; the running job completed ${ranEndedMs} ms after Redis came back; ` +
        `a new job was taken by an original worker and completed ${takenMs} ms after`,
    );
  }, 180_000);

  it('fails over to a promoted replica: 503 or accepted within 2 s, nothing lost, workers go on', async () => {
    await world?.close();
    await proxy?.close();
    await redis?.stop();
    redis = await startPrivateRedis();
    replica = await startPrivateRedis();
    const primary = redis;
    const admin = new Redis(replica.url, { maxRetriesPerRequest: 1 });
    try {
      await admin.call('REPLICAOF', '127.0.0.1', String(primary.port));
      proxy = await startTcpProxy({ host: '127.0.0.1', port: primary.port });
      world = await createScenario('rel-rfailover', {
        REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
        WORKER_LOCK_DURATION_MS: String(LOCK_MS),
        RECOVERY_INTERVAL_MS: '2000',
        RECOVERY_MIN_AGE_MS: '2000',
      });
      const { client, t, lock, submit, running, newJobEnded } = await startJobHeldMidway(world);
      await waitFor('the replica to be in sync', async () => {
        const info = await admin.info('replication');
        return info.includes('master_link_status:up') ? true : undefined;
      });

      // The primary dies; the replica is promoted and the address moves to it.
      const failedAt = Date.now();
      await primary.stop();
      await admin.call('REPLICAOF', 'NO', 'ONE');
      proxy.retarget({ host: '127.0.0.1', port: replica.port });
      const during: { status: number; ms: number }[] = [];
      for (let i = 0; i < 6; i++) {
        const started = Date.now();
        const answer = await submit([t.numbers[500 + i] as string]);
        during.push({ status: answer.status, ms: Date.now() - started });
      }
      await lock.release();
      const accepted202 = client.answers
        .filter((a) => a.status === 202)
        .map((a) => (a.json as { jobId: string }).jobId);
      await waitForJobsEnded(world.db.sql, accepted202, 60_000);
      const newJob = await newJobEnded('a job accepted after the failover');
      const doneMs = Date.now() - failedAt;

      expect(during.every((d) => [202, 503].includes(d.status))).toBe(true);
      expect(Math.max(...during.map((d) => d.ms))).toBeLessThan(2000);
      const [job] = await world.db.sql`
        select state, processed_count from jobs where id = ${running}`;
      expect(job).toEqual({ state: 'completed', processed_count: 500 });
      const workers = world.processes.filter((p) => p.kind === 'worker');
      expect(holderOf(workers, newJob)).toBeDefined();
      await checkWorld(world);
      assertProblemAnswers(client.answers);
      console.info(
        `[figure] redis failover (primary SIGKILLed, replica promoted, address moved) mid-job: POSTs right after → ` +
          `${during.map((d) => `${d.status}/${d.ms}ms`).join(', ')}; every accepted job ended; a new job taken by an original worker; all done ${doneMs} ms after the failover`,
      );
    } finally {
      admin.disconnect();
    }
  }, 180_000);
});
