import { READY_FOR_REMOVAL } from '../../src/domain/operations.ts';
import { runJob } from '../../src/jobs/run.ts';
import type { BenchContext } from '../context.ts';
import { assertNoOpenJobs, chunk, insertJobs, seedMarkedNumbers } from '../seed.ts';
import { type Spread, spread } from '../stats.ts';
import { type Method, measureThroughput } from '../throughput.ts';
import { startWorkerFleet } from '../worker-fleet.ts';

export interface ScalingResult {
  /** numbers/s of runJob in this process with 1, 2 and 4 jobs in flight. */
  inProcess: { concurrency: number; numbersPerSec: Spread }[];
  /** numbers/s through BullMQ into worker processes, enqueue to last completion. */
  queued: { processes: number; concurrency: number; numbersPerSec: Spread }[];
}

/** Part 5: how throughput grows with concurrent jobs and with a second worker process. */
export async function benchScaling(ctx: BenchContext): Promise<ScalingResult> {
  const { sizes, config } = ctx;
  const methods: Method[] = sizes.scalingConcurrency.map((concurrency) => ({
    name: `${concurrency} concurrent`,
    jobsPerRun: sizes.scalingJobs,
    jobSize: sizes.jobSize,
    concurrency,
    jobState: 'queued',
    transition: (jobId) =>
      runJob(
        ctx.db.db,
        { jobId: jobId, operation: READY_FOR_REMOVAL },
        { chunkSize: config.worker.chunkSize },
      ),
  }));
  const measured = await measureThroughput(ctx, methods, sizes.runs, { cpuSplit: false });
  const inProcess = sizes.scalingConcurrency.map((concurrency) => ({
    concurrency,
    numbersPerSec: measured.get(`${concurrency} concurrent`)?.numbersPerSec ?? spread([]),
  }));
  const queued = [];
  for (const fleet of sizes.fleets) {
    queued.push({ ...fleet, numbersPerSec: await measureFleet(ctx, fleet) });
  }
  return { inProcess, queued };
}

async function measureFleet(
  ctx: BenchContext,
  fleet: { processes: number; concurrency: number },
): Promise<Spread> {
  const { sizes } = ctx;
  await assertNoOpenJobs(ctx.db.sql);
  const workers = await startWorkerFleet({
    config: ctx.config,
    databaseUrl: ctx.db.url,
    queuePrefix: `${ctx.queuePrefix}-fleet${fleet.processes}`,
    ...fleet,
  });
  const label = `${fleet.processes} process(es) × concurrency ${fleet.concurrency}`;
  const samples: number[] = [];
  try {
    for (let r = 0; r <= sizes.runs; r += 1) {
      // Seeded right before each run: the workers' recovery sweep re-enqueues `queued` jobs
      // rows older than 30 s, which would start prepared jobs behind the bench's back.
      const jobCount = r === 0 ? fleet.processes * fleet.concurrency : sizes.scalingJobs;
      const numbers = await seedMarkedNumbers(
        ctx.db.sql,
        ctx.numbers,
        ctx.tenant,
        jobCount * sizes.jobSize,
      );
      const ids = await insertJobs(ctx.db.sql, ctx.tenant, chunk(numbers, sizes.jobSize), 'queued');
      const started = process.hrtime.bigint();
      await workers.runAll(ids.map((jobId) => ({ jobId, operatorId: ctx.tenant.operatorId })));
      const perSec = numbers.length / (Number(process.hrtime.bigint() - started) / 1e9);
      if (r > 0) samples.push(perSec);
      ctx.log(`  ${label} ${r === 0 ? 'warm-up' : `run ${r}`}: ${Math.round(perSec)} numbers/s`);
    }
  } finally {
    await workers.close();
  }
  return spread(samples);
}
