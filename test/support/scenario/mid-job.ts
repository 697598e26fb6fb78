import { statusChanges } from '../../../src/numbers/status-changes.ts';
import { holderOf, type ServiceProcess } from '../processes.ts';
import { waitFor } from '../wait.ts';
import { workerBackendsWaitingOnLock } from './row-lock.ts';
import type { Scenario } from './scenario.ts';

/** Waits until `jobId` has committed `processed` numbers and its worker waits on a row lock. */
export async function waitUntilHeldAt(world: Scenario, jobId: string, processed: number) {
  return waitFor(
    `job ${jobId} to wait after ${processed} numbers`,
    async () => {
      const [job] = await world.db.sql<{ processed_count: number }[]>`
      select processed_count from jobs where id = ${jobId}`;
      const waiting = await workerBackendsWaitingOnLock(world.db.sql);
      return job?.processed_count === processed && waiting.length > 0 ? waiting : undefined;
    },
    45_000,
  );
}

/** A row lock a test holds to stop a job at a position (`lockNumber`), and that position. */
export interface HeldAt {
  at: number;
  lock: { release(): Promise<void> };
}

/**
 * SIGKILLs the worker running `jobId` twice: where it waits on `first`, and where the worker
 * that took it over waits on `second`. A replacement worker starts after the first kill; each
 * lock is released once its kill is done.
 */
export async function killHolderTwice(
  world: Scenario,
  jobId: string,
  first: HeldAt,
  second: HeldAt,
) {
  await waitUntilHeldAt(world, jobId, first.at);
  await (await runningWorker(world, jobId)).stop('SIGKILL');
  const replacement = world.worker();
  await first.lock.release();
  await waitUntilHeldAt(world, jobId, second.at);
  await (await runningWorker(world, jobId)).stop('SIGKILL');
  await replacement;
  await second.lock.release();
}

/** The live worker that runs `jobId` (the last one to log its start). */
export async function runningWorker(world: Scenario, jobId: string): Promise<ServiceProcess> {
  return waitFor(`a live worker to hold ${jobId}`, async () => {
    const live = world.processes.filter((p) => p.kind === 'worker');
    // A worker that took over logged "job started" later; prefer the most recent start.
    const starts = live
      .map((w) => ({
        w,
        at: w.lines.findLastIndex((l) => l.includes('"job started"') && l.includes(jobId)),
      }))
      .filter((x) => x.at >= 0 && x.w.child.exitCode === null && x.w.child.signalCode === null);
    return starts.length === 1 ? starts[0]?.w : holderOf(live, jobId);
  });
}

export async function countRows(world: Scenario, query: 'moved' | 'history', operatorId: string) {
  const rows =
    query === 'moved'
      ? await world.db.sql<{ n: number }[]>`
          select count(*)::int as n from telephone_numbers
          where operator_id = ${operatorId} and status = 'ReadyForRemoval'`
      : await world.db.sql<{ n: number }[]>`
          select count(*)::int as n from ${statusChanges(world.db.sql)} c
          join telephone_numbers t on t.id = c.number_id where t.operator_id = ${operatorId}`;
  return rows[0]?.n ?? 0;
}
