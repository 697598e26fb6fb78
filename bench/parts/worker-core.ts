import { floorTransition } from '../baselines/floor.ts';
import { naiveTransition } from '../baselines/naive.ts';
import type { BenchContext } from '../context.ts';
import type { Spread } from '../stats.ts';
import { type Method, measureThroughput } from '../throughput.ts';

export interface WorkerCoreResult {
  service: Spread | undefined;
  naive: Spread;
  floor: Spread;
}

/** Part 1: the service's job processing against the naive loop and the bulk-UPDATE floor. */
export async function benchWorkerCore(ctx: BenchContext): Promise<WorkerCoreResult> {
  const { sizes } = ctx;
  const sql = ctx.db.sql;
  const methods: Method[] = [
    {
      name: 'naive',
      jobsPerRun: sizes.naiveJobsPerRun,
      jobSize: sizes.naiveJobSize,
      concurrency: 1,
      jobState: 'active',
      transition: (jobId, numbers) => naiveTransition(sql, jobId, numbers),
    },
    {
      name: 'floor',
      jobsPerRun: sizes.jobsPerRun,
      jobSize: sizes.jobSize,
      concurrency: 1,
      jobState: 'active',
      transition: (jobId, numbers) => floorTransition(sql, jobId, numbers),
    },
  ];
  const results = await measureThroughput(ctx, methods, sizes.runs);
  const naive = results.get('naive');
  const floor = results.get('floor');
  if (!naive || !floor) throw new Error('baseline missing');
  return { service: results.get('service'), naive, floor };
}
