import {
  CLEAR_REMOVAL_STATUS,
  type Operation,
  READY_FOR_REMOVAL,
} from '../../src/domain/operations.ts';
import { runJob } from '../../src/jobs/run.ts';
import { floorTransition } from '../baselines/floor.ts';
import { naiveTransition } from '../baselines/naive.ts';
import type { BenchContext } from '../context.ts';
import { type Measured, type Method, measureThroughput } from '../throughput.ts';

export interface WorkerCoreResult {
  /** At the configured chunk size (WORKER_CHUNK_SIZE). */
  service: Measured;
  /** The other operation (MarkedForRemoval → Active), same jobs, same chunk size. */
  serviceClear?: Measured;
  chunkSize: number;
  /** One chunk per job: shows what the per-chunk transactions and progress writes cost. */
  serviceOneChunk: Measured | undefined;
  naive: Measured;
  floor: Measured;
}

const ONE_CHUNK = 'service, one chunk per job';
const CLEAR = 'service, clear-removal-status';

/** Part 1: the service's job processing against the naive loop and the bulk-UPDATE floor. */
export async function benchWorkerCore(ctx: BenchContext): Promise<WorkerCoreResult> {
  const { sizes } = ctx;
  const sql = ctx.db.sql;
  const chunkSize = ctx.config.worker.chunkSize;
  const one = { jobsPerRun: sizes.jobsPerRun, jobSize: sizes.jobSize, concurrency: 1 };
  // runJob is the worker's whole job: start, chunks with rules, history, ledger and the job's
  // counters (durable progress), completion with the stored result. Only BullMQ is left out.
  const service = (
    name: string,
    size: number,
    operation: Operation = READY_FOR_REMOVAL,
  ): Method => ({
    ...one,
    name,
    jobState: 'queued',
    operation: operation.name,
    transition: (jobId) => runJob(ctx.db.db, { jobId, operation }, { chunkSize: size }),
  });
  const methods: Method[] = [
    service('service', chunkSize),
    // Both operations side by side: the second must run at the speed of the first.
    service(CLEAR, chunkSize, CLEAR_REMOVAL_STATUS),
    {
      name: 'naive',
      jobsPerRun: sizes.naiveJobsPerRun,
      jobSize: sizes.naiveJobSize,
      concurrency: 1,
      jobState: 'active',
      transition: (jobId, numbers) => naiveTransition(sql, jobId, numbers),
    },
    {
      ...one,
      name: 'floor',
      jobState: 'active',
      transition: (jobId, numbers) => floorTransition(sql, jobId, numbers),
    },
  ];
  if (chunkSize < sizes.jobSize) methods.push(service(ONE_CHUNK, sizes.jobSize));
  const results = await measureThroughput(ctx, methods, sizes.runs, { cpuSplit: ctx.diagnose });
  const measured = results.get('service');
  const clear = results.get(CLEAR);
  const naive = results.get('naive');
  const floor = results.get('floor');
  if (!naive || !floor || !measured || !clear) throw new Error('a method was not measured');
  return {
    service: measured,
    serviceClear: clear,
    chunkSize,
    serviceOneChunk: results.get(ONE_CHUNK),
    naive,
    floor,
  };
}
