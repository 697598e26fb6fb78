import { describe, expect, it } from 'vitest';
import { waitForJobsEnded } from '../support/invariants.ts';
import { holderOf } from '../support/processes.ts';
import { assertProblemAnswers, type Client } from '../support/scenario/http.ts';
import { lockNumber, workerBackendsWaitingOnLock } from '../support/scenario/row-lock.ts';
import { checkWorld, type Scenario, useScenario } from '../support/scenario/scenario.ts';
import { ASYNC, ENDPOINT, JOBS, tenantWithNumbers } from '../support/scenario/tenants.ts';
import { waitFor } from '../support/wait.ts';

// Faults: SIGKILL of the worker that runs a 500-number job at 40 % of it. Another
// worker process must resume after the last committed chunk and record every number once.

let world: Scenario;
let client: Client;

useScenario('rel-kill', {}, { apis: 1, workers: 2 }, (started) => {
  world = started.world;
  [client] = started.clients;
});

describe('SIGKILL of a worker at 40 % of a 500-number job', () => {
  it('resumes on another worker and confirms every number exactly once', async () => {
    const tenant = await tenantWithNumbers(world.db.db, 500);
    // Chunks of 50 commit up to position 200; the chunk after waits on this row lock.
    const lock = await lockNumber(world.db.url, tenant.numbers[200] as string);
    try {
      const accepted = await client.request('POST', ENDPOINT, {
        key: tenant.key,
        headers: ASYNC,
        body: { telephoneNumbers: tenant.numbers },
      });
      expect(accepted.status).toBe(202);
      const { jobId } = accepted.json as { jobId: string };
      await waitFor('the worker to stop inside the chunk at 40 %', async () => {
        const [job] = await world.db.sql<{ processed_count: number }[]>`
          select processed_count from jobs where id = ${jobId}`;
        const waiting = await workerBackendsWaitingOnLock(world.db.sql);
        return job?.processed_count === 200 && waiting.length > 0 ? true : undefined;
      });
      const workers = world.processes.filter((p) => p.kind === 'worker');
      const victim = holderOf(workers, jobId);
      if (!victim) throw new Error('no worker logged the job start');
      expect(await victim.stop('SIGKILL')).toBe('SIGKILL');
      await lock.release();

      const started = Date.now();
      await waitForJobsEnded(world.db.sql, [jobId], 45_000);
      const resumedInMs = Date.now() - started;
      const job = await client.request('GET', `${JOBS}/${jobId}`, { key: tenant.key });
      expect(job.json).toMatchObject({
        state: 'completed',
        progress: { requestedCount: 500, processedCount: 500, successCount: 500 },
        result: { status: 'success' },
      });
      const [moved] = await world.db.sql<{ n: number }[]>`
        select count(*)::int as n from telephone_numbers where status = 'ReadyForRemoval'`;
      expect(moved?.n).toBe(500);
      console.info(
        `[figure] sigkill-at-40%: resumed and completed ${resumedInMs} ms after the kill`,
      );
    } finally {
      await lock.release();
    }
    await checkWorld(world);
    assertProblemAnswers(client.answers);
  }, 90_000);
});
