import { runJob } from '../../src/jobs/processing.ts';
import { floorTransition } from '../baselines/floor.ts';
import { naiveTransition } from '../baselines/naive.ts';
import type { BenchContext } from '../context.ts';
import type { Spread } from '../stats.ts';
import { type Method, measureThroughput } from '../throughput.ts';

export interface WorkerCoreResult {
  /** At the configured chunk size (WORKER_CHUNK_SIZE). */
  service: Spread;
  chunkSize: number;
  /** One chunk per job: shows what the per-chunk transactions and progress writes cost. */
  serviceOneChunk: Spread | undefined;
  naive: Spread;
  floor: Spread;
}

/** Part 1: the service's job processing against the naive loop and the bulk-UPDATE floor. */
export async function benchWorkerCore(ctx: BenchContext): Promise<WorkerCoreResult> {
  const { sizes } = ctx;
  const sql = ctx.db.sql;
  const chunkSize = ctx.config.worker.chunkSize;
  const service = (name: string, size: number): Method => ({
    name,
    jobsPerRun: sizes.jobsPerRun,
    jobSize: sizes.jobSize,
    concurrency: 1,
    jobState: 'queued',
    transition: (jobId) => runJob(ctx.db.db, jobId, { chunkSize: size }),
  });
  const methods: Method[] = [
    service('service', chunkSize),
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
  if (chunkSize < sizes.jobSize) methods.push(service('service, one chunk per job', sizes.jobSize));
  const results = await measureThroughput(ctx, methods, sizes.runs);
  const naive = results.get('naive');
  const floor = results.get('floor');
  const measured = results.get('service');
  if (!naive || !floor || !measured) throw new Error('a method was not measured');
  return {
    service: measured,
    chunkSize,
    serviceOneChunk: results.get('service, one chunk per job'),
    naive,
    floor,
  };
}
