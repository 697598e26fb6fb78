import { inArray } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { telephoneNumbers } from '../../src/db/tables.ts';
import { statusChanges } from '../../src/numbers/status-changes.ts';
import { type ServiceProcess, startService } from '../support/processes.ts';
import { waitFor } from '../support/wait.ts';
import { createHeldJob, waitingBackends } from '../support/worker-blocker.ts';
import { jobRow, ledgerCounts, recordedOnce } from '../support/worker-jobs.ts';
import { useQueueSuite, waitForJobState } from '../support/worker-queue.ts';

const q = useQueueSuite('wcrash');
const workers: ServiceProcess[] = [];
afterAll(() => Promise.all(workers.map((w) => w.stop())));

async function startWorker() {
  const worker = await startService('worker', {
    DATABASE_URL: q.t.url,
    REDIS_URL: q.config.redisUrl,
    QUEUE_PREFIX: q.prefix,
    WORKER_CHUNK_SIZE: '50',
  });
  workers.push(worker);
  return worker;
}

describe('a worker process killed with SIGKILL mid-job', () => {
  it('is taken over by another worker that records every number exactly once', async () => {
    // The worker commits chunks up to position 300, then waits inside the next chunk.
    const { job: row, numbers, blocker } = await createHeldJob(q.t, 500, 320);

    // Two workers (starting one takes seconds on a busy machine); the one that takes the job
    // is killed and the other must finish it.
    const pair = await Promise.all([startWorker(), startWorker()]);
    await q.producer.enqueue(row);
    await waitFor('the worker to wait inside the chunk after 300', async () => {
      const { processedCount } = await jobRow(q.t.db, row.id);
      const waiting = await waitingBackends(q.t.sql, 'oc-numbers-worker');
      return processedCount === 300 && waiting.length > 0 ? true : undefined;
    });
    const holder = pair.findIndex((w) => w.lines.some((l) => l.includes('job started')));
    const [victim, survivor] = holder === 0 ? pair : [pair[1], pair[0]];
    if (!victim || !survivor) throw new Error('no worker took the job');
    const victimBackends = await waitingBackends(q.t.sql, 'oc-numbers-worker');
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    // The dead worker's backend is ended by Postgres' client connection check although the
    // lock it waits for is still held: its job-row lock does not outlive it.
    await waitFor(
      "the killed worker's backend to end",
      async () => {
        const alive = await q.t
          .sql`select 1 from pg_stat_activity where pid = any(${victimBackends})`;
        return alive.length === 0 ? true : undefined;
      },
      10_000,
    );
    await blocker.release();

    const done = await waitForJobState(q.t.db, row.id, ['completed'], 25_000);
    expect(done).toMatchObject({ processedCount: 500, successCount: 500 });
    expect(done.result).toMatchObject({ status: 'success', data: { processedCount: 500 } });
    expect(await ledgerCounts(q.t.db, row.id)).toEqual(recordedOnce(500, 500));
    const perNumber = await q.t.sql<{ n: number }[]>`
      select count(*)::int as n from ${statusChanges(q.t.sql)} c group by c.number_id`;
    expect(perNumber.length).toBe(500);
    expect(perNumber.every((r) => r.n === 1)).toBe(true);
    const statuses = await q.t.db
      .selectDistinct({ status: telephoneNumbers.status })
      .from(telephoneNumbers)
      .where(inArray(telephoneNumbers.e164, numbers));
    expect(statuses).toEqual([{ status: 'ReadyForRemoval' }]);
    const job = await q.producer.queue.getJob(row.id);
    expect(await job?.getState()).toBe('completed');
    expect(survivor.lines.some((l) => l.includes('job stalled'))).toBe(true);
    expect(survivor.lines.some((l) => l.includes('"msg":"job completed"'))).toBe(true);
  }, 45_000);
});
