import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForJobsEnded } from '../../support/invariants.ts';
import { assertProblemAnswers, type Client } from '../../support/scenario/http.ts';
import { countRows, runningWorker, waitUntilHeldAt } from '../../support/scenario/mid-job.ts';
import { withOperationQueue } from '../../support/scenario/operation-queue.ts';
import { lockNumber } from '../../support/scenario/row-lock.ts';
import { type Scenario, settleAfterEach, startScenario } from '../../support/scenario/scenario.ts';
import { submitAsync } from '../../support/scenario/submit.ts';
import { JOBS, tenantWithNumbers } from '../../support/scenario/tenants.ts';
import { waitFor } from '../../support/wait.ts';

// Cancellation racing with completion (exactly one terminal state, and the answer
// tells which), and a cancel sent to API process A while worker process B runs the job.

let world: Scenario;
let apiA: Client;
let apiB: Client;

beforeAll(async () => {
  const env = { RATE_LIMIT_MAX: '100000' };
  const started = await startScenario('rel-cancel', env, { apis: 2, workers: 2 });
  world = started.world;
  [apiA, apiB] = started.clients;
});
settleAfterEach(() => world);
afterAll(async () => {
  assertProblemAnswers([...(apiA?.answers ?? []), ...(apiB?.answers ?? [])]);
  await world?.close();
});

describe('cancellation', () => {
  it('racing with completion ends each job in exactly one terminal state, the one the answer names', async () => {
    const t = await tenantWithNumbers(world.db.db, 40 * 50);
    const outcomes = { cancelled: 0, finished: 0 };
    const race = async (i: number) => {
      const numbers = t.numbers.slice(i * 50, (i + 1) * 50);
      const jobId = await submitAsync(apiA, t.key, numbers);
      await sleep(i % 15);
      const cancel =
        i % 2 === 0
          ? await apiB.request('POST', `${JOBS}/${jobId}/cancel`, { key: t.key })
          : await apiB.request('DELETE', `${JOBS}/${jobId}`, { key: t.key });
      await waitForJobsEnded(world.db.sql, [jobId], 60_000);
      const [row] = await world.db.sql<{ state: string; success_count: number }[]>`
        select state, success_count from jobs where id = ${jobId}`;
      if (cancel.status === 200) {
        outcomes.cancelled++;
        expect({ jobId, answer: (cancel.json as { state: string }).state, db: row?.state }).toEqual(
          { jobId, answer: 'cancelled', db: 'cancelled' },
        );
      } else {
        outcomes.finished++;
        expect(cancel.json).toMatchObject({ status: 409, errorCode: 'JOB_FINISHED' });
        expect(row?.state).toBe('completed');
      }
      const [moved] = await world.db.sql<{ n: number }[]>`
        select count(*)::int as n from telephone_numbers where e164 = any(${numbers}) and status = 'ReadyForRemoval'`;
      expect(moved?.n).toBe(row?.success_count);
    };
    for (let i = 0; i < 40; i += 8) {
      await Promise.all(Array.from({ length: 8 }, (_, k) => race(i + k)));
    }
    // Nothing changes afterwards: a cancelled job never resumes, a completed one stays so.
    // Checked once the workers let go of every job (none active, waiting or delayed).
    await withOperationQueue(world, (queue) =>
      waitFor(
        'the workers to let go of every job',
        async () => {
          const counts = await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized');
          return Object.values(counts).every((n) => n === 0) ? true : undefined;
        },
        45_000,
      ),
    );
    const [states] = await world.db.sql<{ cancelled: number; completed: number }[]>`
      select (count(*) filter (where state = 'cancelled'))::int as cancelled,
             (count(*) filter (where state = 'completed'))::int as completed from jobs`;
    expect(states).toEqual({ cancelled: outcomes.cancelled, completed: outcomes.finished });
    console.info(
      `[figure] cancel racing completion, 40 jobs: ${outcomes.cancelled} cancelled, ${outcomes.finished} finished first (409), 0 in both states`,
    );
  });

  it('sent to API process A while worker process B runs the job, and B crashing afterwards', async () => {
    const t = await tenantWithNumbers(world.db.db, 500);
    const lock = await lockNumber(world.db.url, t.numbers[200] as string);
    const jobId = await submitAsync(apiB, t.key, t.numbers);
    await waitUntilHeldAt(world, jobId, 200);
    const holder = await runningWorker(world, jobId);
    // The cancel waits for the jobs row, which the chunk in flight holds: it lands between
    // chunks. Here the worker dies inside that chunk; its transaction rolls back, then the
    // cancel goes through, and the worker that takes the stalled job over must not resume it.
    const cancelling = apiA.request('POST', `${JOBS}/${jobId}/cancel`, { key: t.key });
    await waitFor('the cancel to wait for the jobs row', async () => {
      const [row] = await world.db.sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where application_name = 'oc-numbers-api' and wait_event_type = 'Lock'`;
      return row?.n ? true : undefined;
    });
    await holder.stop('SIGKILL');
    // Its backend, blocked on the row lock, only notices the dead client once the lock frees.
    await lock.release();
    const cancel = await cancelling;
    expect(cancel.json).toMatchObject({ state: 'cancelled', progress: { processedCount: 200 } });
    // The other worker takes the stalled job over, finds it cancelled and does nothing.
    await withOperationQueue(world, (queue) =>
      waitFor(
        'BullMQ to finish the cancelled job',
        async () => {
          const state = await queue.getJobState(jobId);
          return state === 'completed' || state === 'unknown' ? state : undefined;
        },
        45_000,
      ),
    );
    const job = await apiA.request('GET', `${JOBS}/${jobId}`, { key: t.key });
    expect(job.json).toMatchObject({
      state: 'cancelled',
      progress: { processedCount: 200, successCount: 200 },
      result: { status: 'cancelled' },
    });
    expect(await countRows(world, 'moved', t.operator.id)).toBe(200);
    await world.worker();
  });
});
