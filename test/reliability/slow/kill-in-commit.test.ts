import { afterAll, describe, expect, it } from 'vitest';
import { waitForJobsEnded } from '../../support/invariants.ts';
import type { ServiceProcess } from '../../support/processes.ts';
import { assertProblemAnswers, type Client, createClient } from '../../support/scenario/http.ts';
import { countRows, waitUntilHeldAt } from '../../support/scenario/mid-job.ts';
import { lockNumber } from '../../support/scenario/row-lock.ts';
import { checkWorld, createScenario, type Scenario } from '../../support/scenario/scenario.ts';
import { submitAsync } from '../../support/scenario/submit.ts';
import { tenantWithNumbers } from '../../support/scenario/tenants.ts';
import { PG_ADMIN_URL } from '../../support/services.ts';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.ts';
import { waitFor } from '../../support/wait.ts';

// A worker SIGKILLed while its chunk's COMMIT is on the wire: its Postgres connection runs
// through a TCP proxy that delays every chunk 2 s, and the kill comes the moment the proxy
// sees the COMMIT leave the worker. The COMMIT then reaches Postgres after the worker is dead
// (or never, if the closing socket is reset): either way the chunk is all done and in the
// ledger, or not done at all, and the job ends correctly once another worker takes it over.

const COMMIT_DELAY_MS = 2000;
/** The COMMIT postgres.js sends to end a transaction (`synchronous_commit` in a chunk statement is not it). */
const COMMIT = /(^|[^_a-z])commit\0/i;

let world: Scenario | undefined;
let proxy: TcpProxy | undefined;
let client: Client | undefined;

afterAll(async () => {
  assertProblemAnswers(client?.answers ?? []);
  await world?.close();
  await proxy?.close();
});

/** Numbers of the job by fate: moved with a SUCCEEDED ledger row, or untouched with none. */
async function fates(scenario: Scenario, jobId: string) {
  const [row] = await scenario.db.sql<
    { processed: number; done: number; untouched: number; other: number }[]
  >`
    select j.processed_count as processed,
      count(*) filter (where i.position is not null and i.outcome = 'SUCCEEDED'
                         and n.status = 'ReadyForRemoval')::int as done,
      count(*) filter (where i.position is null and n.status = 'MarkedForRemoval')::int as untouched,
      count(*) filter (where not ((i.position is not null and i.outcome = 'SUCCEEDED'
                                   and n.status = 'ReadyForRemoval')
                              or (i.position is null and n.status = 'MarkedForRemoval')))::int as other
    from jobs j
    cross join lateral unnest(j.telephone_numbers) with ordinality as r(e164, k)
    join telephone_numbers n on n.e164 = r.e164 and n.operator_id = j.operator_id
    left join job_items i on i.job_id = j.id and i.position = r.k - 1
    where j.id = ${jobId}
    group by j.processed_count`;
  if (!row) throw new Error(`job ${jobId} not found`);
  return row;
}

describe('SIGKILL during a chunk COMMIT', () => {
  it('leaves the chunk all done or not done, and the job ends once another worker resumes it', async () => {
    const pg = new URL(PG_ADMIN_URL);
    proxy = await startTcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) });
    world = await createScenario('rel-commitkill');
    const scenario = world;
    const viaProxy = new URL(scenario.db.url);
    viaProxy.port = String(proxy.port);
    const [api, worker] = await Promise.all([
      scenario.api(),
      scenario.worker({ DATABASE_URL: viaProxy.toString() }),
    ]);
    client = createClient(api.url as string);
    const t = await tenantWithNumbers(scenario.db.db, 500);
    const lock = await lockNumber(scenario.db.url, t.numbers[300] as string);
    let victim: ServiceProcess | undefined = worker;
    let stopWatching = () => {};
    try {
      const jobId = await submitAsync(client, t.key, t.numbers);
      await waitUntilHeldAt(scenario, jobId, 300);
      // From here every chunk between the worker and Postgres takes 2 s each way.
      proxy.setDelay(COMMIT_DELAY_MS);
      const commitSent = new Promise<void>((resolve) => {
        stopWatching =
          proxy?.onClientData((chunk) => {
            if (COMMIT.test(chunk.toString('latin1'))) resolve();
          }) ?? stopWatching;
      });
      await lock.release();
      await commitSent; // the chunk at 300 decided its numbers and sent COMMIT
      stopWatching();
      const killedAt = Date.now();
      await worker.stop('SIGKILL');
      victim = undefined;
      proxy.setDelay(0); // what is already in the proxy keeps its 2 s

      // Once the dead worker's connections are gone, its COMMIT landed or never will.
      await waitFor(
        "the killed worker's backends to end",
        async () => {
          const [n] = await scenario.db.sql<{ n: number }[]>`
            select count(*)::int as n from pg_stat_activity
            where application_name = 'oc-numbers-worker' and datname = current_database()`;
          return n?.n === 0 ? true : undefined;
        },
        30_000,
      );
      const between = await fates(scenario, jobId);
      expect(between.other).toBe(0); // every number done and recorded, or untouched
      expect([300, 350]).toContain(between.processed);
      expect(between.done).toBe(between.processed);
      expect(between.untouched).toBe(500 - between.processed);

      const resumedAt = Date.now();
      await scenario.worker();
      await waitForJobsEnded(scenario.db.sql, [jobId], 60_000);
      const [job] = await scenario.db.sql`
        select state, processed_count, success_count from jobs where id = ${jobId}`;
      expect(job).toEqual({ state: 'completed', processed_count: 500, success_count: 500 });
      expect((await fates(scenario, jobId)).done).toBe(500);
      expect(await countRows(scenario, 'history', t.operator.id)).toBe(500);
      await checkWorld(scenario);
      console.info(
        `[figure] SIGKILL with the COMMIT of the chunk at 300 delayed ${COMMIT_DELAY_MS} ms in the proxy: ` +
          `the chunk ${between.processed === 350 ? 'committed after the worker died' : 'rolled back'} ` +
          `(${between.processed}/500 done, the rest untouched); completed 500/500 ${Date.now() - resumedAt} ms ` +
          `after a new worker was launched, its start included (${resumedAt - killedAt} ms after the kill)`,
      );
    } finally {
      stopWatching();
      await lock.release();
      victim?.child.kill('SIGKILL');
    }
  });
});
