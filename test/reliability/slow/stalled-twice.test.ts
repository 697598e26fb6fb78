import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientRun, runClient } from '../../support/client-run.ts';
import type { Client } from '../../support/scenario/http.ts';
import { countRows, killHolderTwice } from '../../support/scenario/mid-job.ts';
import { lockNumber } from '../../support/scenario/row-lock.ts';
import { type Scenario, useScenario } from '../../support/scenario/scenario.ts';
import { tenantWithNumbers } from '../../support/scenario/tenants.ts';
import { waitFor } from '../../support/wait.ts';

// Two crashes in a row with BullMQ's own default of one stall allowed (maxStalledCount 1; the
// service's default is 5, this is the path any setting reaches when a job stalls once more):
// the stalled check fails the job, the recovery sweep records it failed with the counts of its
// ledger, and the bulk client, which sends a failed job's unprocessed numbers again, gets the
// rest done as a job of their own.

let world: Scenario;
let api: Client;
let dir: string;
let run: ClientRun | undefined;

const env = {
  WORKER_MAX_STALLED_COUNT: '1',
  // The sweep records what BullMQ failed; every second here instead of every 30 s.
  RECOVERY_INTERVAL_MS: '1000',
  RECOVERY_MIN_AGE_MS: '1000',
};
useScenario('rel-stall2', env, { apis: 1, workers: 2 }, (started) => {
  world = started.world;
  [api] = started.clients;
});
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ocn-stall2-'));
});
// Before the scenario closes (after-hooks run last registered first): the client goes first.
afterAll(async () => {
  run?.child.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

const jobsOf = (operatorId: string) =>
  world.db.sql<{ id: string; state: string; processed_count: number; success_count: number }[]>`
    select id, state, processed_count, success_count from jobs
    where operator_id = ${operatorId} order by created_at`;

describe('a job that stalls twice (maxStalledCount 1)', () => {
  it('ends failed with the counts of its ledger, and the client gets the rest done', async () => {
    const t = await tenantWithNumbers(world.db.db, 500);
    const first = await lockNumber(world.db.url, t.numbers[150] as string);
    const second = await lockNumber(world.db.url, t.numbers[350] as string);
    try {
      const file = join(dir, 'numbers.txt');
      await writeFile(file, `${t.numbers.join('\n')}\n`);
      run = runClient(['submit', file, '--url', api.baseUrl, '--json'], { OCN_API_KEY: t.key });
      const jobId = await waitFor('the client to submit its batch', async () => {
        const [job] = await jobsOf(t.operator.id);
        return job?.id;
      });

      await killHolderTwice(world, jobId, { at: 150, lock: first }, { at: 350, lock: second });

      // The stalled check fails it in BullMQ; the sweep records that in Postgres.
      const failed = await waitFor(
        'the job to be recorded failed',
        async () => {
          const [job] = await jobsOf(t.operator.id);
          return job?.state === 'failed' ? job : undefined;
        },
        60_000,
      );
      expect(failed).toMatchObject({ id: jobId, processed_count: 350, success_count: 350 });
      expect(await world.queue().getJobState(jobId)).toBe('failed');

      const code = await run.exited;
      const summary = JSON.parse(run.stdout()) as Record<string, unknown>;
      expect(code, run.stderrLines().join('\n')).toBe(0);
      expect(summary).toMatchObject({
        submitted: 1,
        resent: 150,
        succeeded: 500,
        notProcessed: 0,
        outcomes: { SUCCEEDED: 500 },
      });
      const jobs = await jobsOf(t.operator.id);
      expect(jobs.map((j) => [j.state, j.processed_count, j.success_count])).toEqual([
        ['failed', 350, 350],
        ['completed', 150, 150],
      ]);
      expect(await countRows(world, 'moved', t.operator.id)).toBe(500);
      expect(await countRows(world, 'history', t.operator.id)).toBe(500);
      console.info(
        `[figure] stalled twice (maxStalledCount 1): failed at 350/500 = its ledger; the client resent 150 numbers, completed 150/150; 500 moved once each`,
      );
    } finally {
      await first.release();
      await second.release();
    }
  });
});
