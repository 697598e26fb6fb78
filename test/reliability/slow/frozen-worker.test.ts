import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_QUEUE } from '../../../src/queue/operation-queue.ts';
import { waitForJobsEnded } from '../../support/invariants.ts';
import type { ServiceProcess } from '../../support/processes.ts';
import { assertProblemAnswers, type Client } from '../../support/scenario/http.ts';
import { countRows, runningWorker, waitUntilHeldAt } from '../../support/scenario/mid-job.ts';
import { lockNumber } from '../../support/scenario/row-lock.ts';
import { type Scenario, settleAfterEach, startScenario } from '../../support/scenario/scenario.ts';
import { submitAsync } from '../../support/scenario/submit.ts';
import { JOBS, tenantWithNumbers } from '../../support/scenario/tenants.ts';
import { waitFor } from '../../support/wait.ts';

// A frozen worker: SIGSTOP for three lock durations, once between two chunks and once inside
// a chunk holding row locks, then SIGCONT. Another worker takes the job over meanwhile; the
// stale one must never end the job, each job has one terminal state in Postgres and in
// BullMQ, and a cancel sent during the freeze answers within the chunk's idle timeout.

const LOCK_MS = 4000;
const FREEZE_MS = 3 * LOCK_MS;
/** The chunk transaction's idle_in_transaction_session_timeout (src/jobs/transaction-timeouts.ts). */
const CHUNK_IDLE_MS = 5000;

let world: Scenario;
let client: Client;
let queue: Queue;

beforeAll(async () => {
  // Small chunks: many moments between two chunks to catch the worker at.
  const env = { WORKER_LOCK_DURATION_MS: String(LOCK_MS), WORKER_CHUNK_SIZE: '10' };
  const started = await startScenario('rel-frozen', env, { apis: 1, workers: 2 });
  world = started.world;
  [client] = started.clients;
  queue = new Queue(OPERATION_QUEUE, {
    connection: { url: world.env.REDIS_URL },
    prefix: world.prefix,
  });
});
settleAfterEach(() => world);
afterAll(async () => {
  assertProblemAnswers(client?.answers ?? []);
  await queue?.close();
  await world?.close();
});

const submit = (numbers: string[], key: string) => submitAsync(client, key, numbers);

/** The workers' backends that are inside a transaction right now, with their state. */
async function workerTransactions() {
  return world.db.sql<{ pid: number; state: string }[]>`
    select pid, state from pg_stat_activity
    where application_name = 'oc-numbers-worker' and datname = current_database()
      and xact_start is not null`;
}

/** Resumes `victim` after the freeze and waits until it has looked at the job again. */
async function thaw(victim: ServiceProcess, frozenAt: number, jobId: string, seen: number) {
  await waitFor('three lock durations', async () =>
    Date.now() - frozenAt >= FREEZE_MS ? true : undefined,
  );
  victim.child.kill('SIGCONT');
  await waitFor(
    'the stale worker to look at the job again',
    async () =>
      victim.lines
        .slice(seen)
        .some((l) => l.includes(jobId) && /ended elsewhere|lock was lost/.test(l))
        ? true
        : undefined,
    30_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; it wrote:\n${victim.lines.slice(seen).join('\n')}`);
  });
}

function staleFailures(victim: ServiceProcess, jobId: string) {
  return victim.lines.filter((l) => l.includes(jobId) && l.includes('failed on its last attempt'));
}

describe('a frozen worker', () => {
  it('frozen between two chunks: the job is taken over and completed once', async () => {
    const t = await tenantWithNumbers(world.db.db, 500);
    // The job cannot finish before it is caught: its chunk at 400 waits for this row.
    const lock = await lockNumber(world.db.url, t.numbers[400] as string);
    const jobId = await submit(t.numbers, t.key);
    const processed = async () =>
      (
        await world.db.sql<
          { n: number }[]
        >`select processed_count as n from jobs where id = ${jobId}`
      )[0]?.n ?? 0;
    let victim: ServiceProcess | undefined;
    // Stop the holder; if it was inside a chunk transaction, let it run on a little and retry.
    for (let tries = 0; !victim; tries++) {
      if (tries > 200) throw new Error('never caught the worker between two chunks');
      const holder = await runningWorker(world, jobId);
      holder.child.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 50));
      if ((await workerTransactions()).length === 0 && (await processed()) < 400) victim = holder;
      else {
        holder.child.kill('SIGCONT');
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
      }
    }
    const frozenAt = Date.now();
    const seen = victim.lines.length;
    const atFreeze = await processed();
    await lock.release();
    await waitForJobsEnded(world.db.sql, [jobId], 60_000);
    const takenOverMs = Date.now() - frozenAt;
    await thaw(victim, frozenAt, jobId, seen);

    const [job] = await world.db.sql`
      select state, processed_count, success_count from jobs where id = ${jobId}`;
    expect(job).toEqual({ state: 'completed', processed_count: 500, success_count: 500 });
    expect(await queue.getJobState(jobId)).toBe('completed');
    expect(staleFailures(victim, jobId)).toEqual([]);
    expect(await countRows(world, 'history', t.operator.id)).toBe(500);
    console.info(
      `[figure] frozen between chunks at ${atFreeze}/500 for ${FREEZE_MS} ms (lock ${LOCK_MS} ms): ` +
        `completed by the other worker ${takenOverMs} ms after the freeze; Postgres completed, BullMQ completed; the stale worker found it ended`,
    );
  });

  it('frozen inside a chunk holding row locks: a cancel answers within the idle timeout', async () => {
    const t = await tenantWithNumbers(world.db.db, 500);
    const lock = await lockNumber(world.db.url, t.numbers[200] as string);
    const jobId = await submit(t.numbers, t.key);
    await waitUntilHeldAt(world, jobId, 200);
    const victim = await runningWorker(world, jobId);
    const seen = victim.lines.length;
    victim.child.kill('SIGSTOP');
    const frozenAt = Date.now();
    // Its chunk statement gets the row and finishes; the frozen client never commits.
    await lock.release();
    await waitFor('the frozen chunk to sit idle in its transaction', async () =>
      (await workerTransactions()).some((x) => x.state === 'idle in transaction')
        ? true
        : undefined,
    );
    const cancelStarted = Date.now();
    const cancel = await client.request('POST', `${JOBS}/${jobId}/cancel`, { key: t.key });
    const cancelMs = Date.now() - cancelStarted;
    expect(cancel.status).toBe(200);
    expect(cancel.json).toMatchObject({ state: 'cancelled' });
    expect(cancelMs).toBeLessThan(CHUNK_IDLE_MS + 3000);
    expect(Date.now() - frozenAt).toBeLessThan(FREEZE_MS); // answered while still frozen
    await thaw(victim, frozenAt, jobId, seen);

    const [job] = await world.db.sql<
      { state: string; processed_count: number; success_count: number }[]
    >`
      select state, processed_count, success_count from jobs where id = ${jobId}`;
    expect(job?.state).toBe('cancelled');
    expect([200, 210]).toContain(job?.processed_count);
    expect(await countRows(world, 'moved', t.operator.id)).toBe(job?.success_count);
    // One terminal state in BullMQ: completed by the worker that took it over (it found the job
    // cancelled), or removed by the cancel if it was waiting then; never failed, never running.
    const bullState = await waitFor('BullMQ to settle', async () => {
      const state = await queue.getJobState(jobId);
      return ['completed', 'unknown'].includes(state) ? state : undefined;
    });
    expect(staleFailures(victim, jobId)).toEqual([]);
    console.info(
      `[figure] frozen inside a chunk (row locks held) for ${FREEZE_MS} ms: cancel answered 200 in ${cancelMs} ms ` +
        `(chunk idle timeout ${CHUNK_IDLE_MS} ms); cancelled at ${job?.processed_count}/500; BullMQ state ${bullState}; the stale worker never failed the job`,
    );
  });
});
