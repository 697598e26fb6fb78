import { describe, expect, it } from 'vitest';
import { waitForJobsEnded } from '../../support/invariants.ts';
import type { Client } from '../../support/scenario/http.ts';
import {
  countRows,
  killHolderTwice,
  runningWorker,
  waitUntilHeldAt,
} from '../../support/scenario/mid-job.ts';
import { lockNumber } from '../../support/scenario/row-lock.ts';
import { type Scenario, useScenario } from '../../support/scenario/scenario.ts';
import { submitAsync } from '../../support/scenario/submit.ts';
import { tenantWithNumbers } from '../../support/scenario/tenants.ts';

// Faults on the worker side: SIGKILL twice in a row, SIGTERM mid-job, and the
// worker's Postgres connection terminated mid-chunk. Every job must end with each number
// recorded once and its counts equal to the ledger.

let world: Scenario;
let client: Client;

useScenario('rel-wfault', {}, { apis: 1, workers: 2 }, (started) => {
  world = started.world;
  [client] = started.clients;
});

const submit = (numbers: string[], key: string) => submitAsync(client, key, numbers);

/** Waits for the job to end, then checks it completed with all 500 numbers succeeded. */
async function expectCompletedInFull(jobId: string) {
  await waitForJobsEnded(world.db.sql, [jobId], 60_000);
  const [job] = await world.db
    .sql`select state, processed_count, success_count from jobs where id = ${jobId}`;
  expect(job).toEqual({ state: 'completed', processed_count: 500, success_count: 500 });
}

const live = () =>
  world.processes.filter(
    (p) => p.kind === 'worker' && p.child.exitCode === null && p.child.signalCode === null,
  );

describe('worker faults', () => {
  it('survives SIGKILL twice in a row on the same job', async () => {
    const t = await tenantWithNumbers(world.db.db, 500);
    const first = await lockNumber(world.db.url, t.numbers[150] as string);
    const second = await lockNumber(world.db.url, t.numbers[350] as string);
    const jobId = await submit(t.numbers, t.key);
    const started = Date.now();
    await killHolderTwice(world, jobId, { at: 150, lock: first }, { at: 350, lock: second });
    await expectCompletedInFull(jobId);
    expect(await countRows(world, 'history', t.operator.id)).toBe(500);
    console.info(
      `[figure] sigkill twice: completed ${Date.now() - started} ms after submit (2 kills)`,
    );
    if (live().length < 2) await world.worker();
  });

  it('finishes or hands back the job on SIGTERM mid-job, and exits cleanly', async () => {
    const t = await tenantWithNumbers(world.db.db, 500);
    const lock = await lockNumber(world.db.url, t.numbers[200] as string);
    const jobId = await submit(t.numbers, t.key);
    await waitUntilHeldAt(world, jobId, 200);
    const holder = await runningWorker(world, jobId);
    holder.child.kill('SIGTERM');
    await holder.waitForLine('shutting down');
    await lock.release();
    const stoppedAt = Date.now();
    expect(await holder.exited).toBe(0);
    const exitMs = Date.now() - stoppedAt;
    await expectCompletedInFull(jobId);
    console.info(`[figure] sigterm mid-job: worker exited 0 after ${exitMs} ms; job completed`);
    await world.worker();
  });

  it('recovers when the worker connection is terminated (pg_terminate_backend) mid-chunk', async () => {
    const t = await tenantWithNumbers(world.db.db, 500);
    const lock = await lockNumber(world.db.url, t.numbers[250] as string);
    const jobId = await submit(t.numbers, t.key);
    const waiting = await waitUntilHeldAt(world, jobId, 250);
    const [terminated] = await world.db.sql<{ ok: boolean }[]>`
      select bool_and(pg_terminate_backend(pid)) as ok from unnest(${waiting}::int[]) as pid`;
    expect(terminated?.ok).toBe(true);
    await lock.release();
    await expectCompletedInFull(jobId);
    expect(await countRows(world, 'moved', t.operator.id)).toBe(500);
  });
});
