import { describe, expect, it } from 'vitest';
import { waitForJobsEnded } from '../../support/invariants.ts';
import type { ServiceProcess } from '../../support/processes.ts';
import { closeChunkGate } from '../../support/scenario/chunk-gate.ts';
import type { Client } from '../../support/scenario/http.ts';
import { countRows, runningWorker, waitUntilHeldAt } from '../../support/scenario/mid-job.ts';
import { lockNumber } from '../../support/scenario/row-lock.ts';
import { type Scenario, useScenario } from '../../support/scenario/scenario.ts';
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

// The hold point between chunks (tests only), and small chunks.
const env = {
  WORKER_LOCK_DURATION_MS: String(LOCK_MS),
  WORKER_CHUNK_SIZE: '10',
  WORKER_TEST_CHUNK_GATE: 'true',
};
useScenario('rel-frozen', env, { apis: 1, workers: 2 }, (started) => {
  world = started.world;
  [client] = started.clients;
});

const submit = (numbers: string[], key: string) => submitAsync(client, key, numbers);

/** The workers' backends that are inside a transaction right now, with their state. */
async function workerTransactions() {
  return world.db.sql<{ pid: number; state: string }[]>`
    select pid, state from pg_stat_activity
    where application_name = 'oc-numbers-worker' and datname = current_database()
      and xact_start is not null`;
}

async function processed(jobId: string) {
  const [row] = await world.db.sql<{ n: number }[]>`
    select processed_count as n from jobs where id = ${jobId}`;
  return row?.n ?? 0;
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
    // The hold point between two chunks: the job stops after its first chunk, outside any
    // transaction, and waits there visibly (pg_locks) until the gate opens.
    const gate = await closeChunkGate(world.db.url);
    let victim: ServiceProcess | undefined;
    try {
      const jobId = await submit(t.numbers, t.key);
      const [backend] = await waitFor('the job to wait at the gate after a chunk', async () => {
        const waiting = await gate.waiting();
        return waiting.length === 1 && (await processed(jobId)) > 0 ? waiting : undefined;
      });
      victim = await runningWorker(world, jobId);
      victim.child.kill('SIGSTOP');
      const frozenAt = Date.now();
      const seen = victim.lines.length;
      // Its gate statement gets the lock and ends on the server, though the worker is stopped.
      await gate.open();
      await waitFor("the frozen worker's backend to be idle outside a transaction", async () => {
        const [row] = await world.db.sql<{ state: string; open: boolean }[]>`
          select state, xact_start is not null as open from pg_stat_activity where pid = ${backend ?? 0}`;
        return row?.state === 'idle' && !row.open ? true : undefined;
      });
      const atFreeze = await processed(jobId);
      expect(atFreeze).toBeLessThan(500);
      await waitForJobsEnded(world.db.sql, [jobId], 60_000);
      const takenOverMs = Date.now() - frozenAt;
      await thaw(victim, frozenAt, jobId, seen);

      const [job] = await world.db.sql`
        select state, processed_count, success_count from jobs where id = ${jobId}`;
      expect(job).toEqual({ state: 'completed', processed_count: 500, success_count: 500 });
      expect(await world.queue().getJobState(jobId)).toBe('completed');
      expect(staleFailures(victim, jobId)).toEqual([]);
      expect(await countRows(world, 'history', t.operator.id)).toBe(500);
      console.info(
        `[figure] frozen between chunks at ${atFreeze}/500 for ${FREEZE_MS} ms (lock ${LOCK_MS} ms): ` +
          `completed by the other worker ${takenOverMs} ms after the freeze; Postgres completed, BullMQ completed; the stale worker found it ended`,
      );
    } finally {
      // Whatever failed above, leave nothing held: the job can then end and afterEach judge it.
      await gate.open();
      victim?.child.kill('SIGCONT');
    }
  });

  it('frozen inside a chunk holding row locks: a cancel answers within the idle timeout', async () => {
    const t = await tenantWithNumbers(world.db.db, 500);
    const lock = await lockNumber(world.db.url, t.numbers[200] as string);
    let victim: ServiceProcess | undefined;
    try {
      const jobId = await submit(t.numbers, t.key);
      await waitUntilHeldAt(world, jobId, 200);
      victim = await runningWorker(world, jobId);
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
        const state = await world.queue().getJobState(jobId);
        return ['completed', 'unknown'].includes(state) ? state : undefined;
      });
      expect(staleFailures(victim, jobId)).toEqual([]);
      console.info(
        `[figure] frozen inside a chunk (row locks held) for ${FREEZE_MS} ms: cancel answered 200 in ${cancelMs} ms ` +
          `(chunk idle timeout ${CHUNK_IDLE_MS} ms); cancelled at ${job?.processed_count}/500; BullMQ state ${bullState}; the stale worker never failed the job`,
      );
    } finally {
      await lock.release();
      victim?.child.kill('SIGCONT');
    }
  });
});
