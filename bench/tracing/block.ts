import { waitFor } from '../../test/support/wait.ts';
import type { BenchContext } from '../context.ts';
import { isFullSuccess, READY_FOR_REMOVAL_PATH, type RunningService } from '../service.ts';
import { startServiceCpu } from '../service-cpu.ts';
import { percentile } from '../stats.ts';

type Body = { telephoneNumbers: string[] };

/** One service's turn in a round: sequential sync requests, then a backlog of async jobs. */
export interface BlockSample {
  syncP50Ms: number;
  /** Service process + its Postgres backends, per synchronous request. */
  cpuMsPerRequest: number;
  /** The service process alone, per synchronous request (what tracing adds to). */
  nodeCpuMsPerRequest: number;
  /** The worker's numbers/s over the backlog (first start → last finish, as Postgres has them). */
  numbersPerSec: number;
  /** Service process + its Postgres backends, per 1,000 numbers of the backlog. */
  cpuMsPer1000Numbers: number;
  /** The service process alone, per 1,000 numbers of the backlog (what tracing adds to). */
  nodeCpuMsPer1000Numbers: number;
  failures: number;
}

export async function measureBlock(
  ctx: BenchContext,
  service: RunningService,
  sync: readonly Body[],
  backlog: readonly Body[],
): Promise<BlockSample> {
  let failures = 0;
  const timings: number[] = [];
  const cpu = () => service.child.cpuSeconds();
  await untilIdle(cpu);
  let stop = await startServiceCpu(ctx, cpu);
  for (const body of sync) {
    const answer = await service.client.post(READY_FOR_REMOVAL_PATH, body);
    if (!isFullSuccess(answer, body.telephoneNumbers.length)) failures += 1;
    timings.push(answer.ms);
  }
  const syncCpu = await stop();

  // The backlog: every job accepted first, then the worker's time from the first start to the
  // last finish. Its CPU counts the intake too: the same in every mode.
  await untilIdle(cpu);
  stop = await startServiceCpu(ctx, cpu);
  const jobIds: string[] = [];
  for (const body of backlog) {
    const answer = await service.client.post(READY_FOR_REMOVAL_PATH, body, {
      prefer: 'respond-async',
    });
    if (answer.status !== 202) failures += 1;
    else jobIds.push((JSON.parse(answer.body) as { jobId: string }).jobId);
  }
  const span = await waitFor(
    'the backlog to be processed',
    async () => {
      const [row] = await ctx.db.sql<{ done: number; seconds: number; numbers: number }[]>`
        select count(*) filter (where state = 'completed')::int as done,
               extract(epoch from max(finished_at) - min(started_at))::float8 as seconds,
               sum(processed_count)::int as numbers
        from jobs where id = any(${jobIds}::uuid[])`;
      return row && row.done === jobIds.length ? row : undefined;
    },
    120_000,
    20,
  );
  const backlogCpu = await stop();
  return {
    syncP50Ms: percentile(timings, 50),
    cpuMsPerRequest: syncCpu.totalMs / sync.length,
    nodeCpuMsPerRequest: syncCpu.nodeMs / sync.length,
    numbersPerSec: span.numbers / span.seconds,
    cpuMsPer1000Numbers: (backlogCpu.totalMs * 1000) / span.numbers,
    nodeCpuMsPer1000Numbers: (backlogCpu.nodeMs * 1000) / span.numbers,
    failures,
  };
}

/**
 * Waits until the process used no CPU for 100 ms (at most 3 s): what a previous block left
 * running (a job's trailing events, a batch of spans being exported) is not counted in this
 * one.
 */
async function untilIdle(cpuSeconds: () => Promise<number>): Promise<void> {
  const deadline = performance.now() + 3000;
  let before = await cpuSeconds();
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await cpuSeconds();
    if (now === before) return;
    before = now;
  }
}
