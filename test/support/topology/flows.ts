import { expect } from 'vitest';
import { waitForJobsEnded } from '../invariants.ts';
import type { Client } from '../scenario/http.ts';
import { waitUntilHeldAt } from '../scenario/mid-job.ts';
import { lockNumber } from '../scenario/row-lock.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { submitAsync as submit } from '../scenario/submit.ts';
import { ASYNC, ENDPOINT, JOBS } from '../scenario/tenants.ts';
import { waitFor } from '../wait.ts';
import { waitingBackends } from '../worker-blocker.ts';

// The main flows every supported topology must pass, over two API processes: a synchronous
// request, an asynchronous one polled on the other API, an Idempotency-Key replayed on the
// other API, and a cancel sent to one API while a worker holds the job mid-way.

export { submit };

export interface Tenant {
  key: string;
  numbers: string[];
}

/** Uses 500 numbers of `t`, from `from` on. */
export async function runMainFlows(world: Scenario, apis: [Client, Client], t: Tenant, from = 0) {
  const [a, b] = apis;
  const slice = (start: number, count: number) =>
    t.numbers.slice(from + start, from + start + count);

  const sync = await a.request('POST', ENDPOINT, {
    key: t.key,
    body: { telephoneNumbers: slice(0, 100) },
  });
  expect(sync.status, sync.text).toBe(200);
  expect(sync.json).toMatchObject({ status: 'success', data: { successCount: 100 } });

  const asyncJob = await submit(b, t.key, slice(100, 100));
  const polled = await waitFor('the async job to complete (polled on the other API)', async () => {
    const job = await a.request('GET', `${JOBS}/${asyncJob}`, { key: t.key });
    return (job.json as { state?: string }).state === 'completed' ? job : undefined;
  });
  expect(polled.json).toMatchObject({ progress: { processedCount: 100, successCount: 100 } });

  const idempotent = {
    key: t.key,
    headers: { ...ASYNC, 'idempotency-key': `flows-${from}` },
    body: { telephoneNumbers: slice(200, 100) },
  };
  const first = await a.request('POST', ENDPOINT, idempotent);
  const replay = await b.request('POST', ENDPOINT, idempotent);
  expect(first.status).toBe(202);
  expect([200, 202]).toContain(replay.status);
  const replayedId =
    (replay.json as { jobId?: string; data?: { jobId: string } }).jobId ??
    (replay.json as { data: { jobId: string } }).data.jobId;
  expect(replayedId).toBe((first.json as { jobId: string }).jobId);

  // Cancel while the worker waits inside a chunk that is not the last (the last one completes
  // the job in its own transaction): the cancel queues for the job row behind that chunk, and
  // only then is the number's lock released.
  const held = slice(300, 200);
  const lock = await lockNumber(world.db.url, held[50] as string);
  const cancelled = await submit(a, t.key, held);
  await waitUntilHeldAt(world, cancelled, 50);
  const cancelling = b.request('POST', `${JOBS}/${cancelled}/cancel`, { key: t.key });
  await waitFor('the cancel to wait for the job row', async () =>
    (await waitingBackends(world.db.sql, 'oc-numbers-api')).length > 0 ? true : undefined,
  );
  await lock.release();
  const cancel = await cancelling;
  expect(cancel.status, cancel.text).toBe(200);
  expect(cancel.json).toMatchObject({ state: 'cancelled' });
  await waitForJobsEnded(world.db.sql, [asyncJob, replayedId, cancelled]);
  const [row] = await world.db.sql<{ state: string; processed_count: number }[]>`
    select state, processed_count from jobs where id = ${cancelled}`;
  expect(row?.state).toBe('cancelled');
  expect(row?.processed_count).toBeLessThan(200);
}

/**
 * Spends the endpoint's budget from both APIs until each has answered 429: exactly
 * `max` requests in all were accepted, so the two processes shared one budget.
 */
export async function spendBudgetAcrossApis(
  apis: [Client, Client],
  t: Tenant,
  from: number,
  max: number,
) {
  const refused = new Set<Client>();
  let next = from;
  while (refused.size < 2) {
    for (const api of apis) {
      const answer = await api.request('POST', ENDPOINT, {
        key: t.key,
        headers: ASYNC,
        body: { telephoneNumbers: [t.numbers[next++] as string] },
      });
      if (answer.status === 429) refused.add(api);
      else expect(answer.status, answer.text).toBe(202);
    }
    if (next - from > max * 3) throw new Error('the budget was never spent');
  }
  const accepted = apis
    .flatMap((api) => api.answers)
    .filter((x) => x.method === 'POST' && x.path === ENDPOINT && x.status !== 429);
  expect(accepted.length).toBe(max);
  return next;
}
