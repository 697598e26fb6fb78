import type { BenchContext } from './context.ts';
import { chunk, insertJobs, seedMarkedNumbers } from './seed.ts';
import { type Spread, spread } from './stats.ts';

/** A way of transitioning one job's numbers, measured in numbers per second. */
export interface Method {
  name: string;
  jobsPerRun: number;
  jobSize: number;
  /** Jobs in flight at once (1 = one after another). */
  concurrency: number;
  /** The state the jobs rows start in (the service starts `queued` jobs itself). */
  jobState: 'queued' | 'active';
  transition(jobId: string, numbers: readonly string[]): Promise<unknown>;
}

interface PreparedRun {
  jobs: { id: string; numbers: string[] }[];
}

/**
 * Measures every method `runs` times, interleaved (A B C A B C …) so that background noise
 * and table growth fall on all methods alike. Seeding happens before the clock starts, and one
 * untimed warm-up job per method comes first.
 */
export async function measureThroughput(
  ctx: BenchContext,
  methods: readonly Method[],
  runs: number,
): Promise<Map<string, Spread>> {
  const samples = new Map<string, number[]>(methods.map((m) => [m.name, []]));
  const prepared = new Map<string, PreparedRun[]>();
  for (const method of methods) {
    const list: PreparedRun[] = [];
    list.push(await prepareRun(ctx, method, 1)); // warm-up
    for (let r = 0; r < runs; r += 1) list.push(await prepareRun(ctx, method, method.jobsPerRun));
    prepared.set(method.name, list);
  }
  await ctx.db.sql`analyze`;
  for (let r = 0; r <= runs; r += 1) {
    for (const method of methods) {
      const run = prepared.get(method.name)?.[r];
      if (!run) throw new Error('run not prepared');
      const seconds = await timeRun(method, run);
      const count = run.jobs.reduce((n, j) => n + j.numbers.length, 0);
      if (r > 0) samples.get(method.name)?.push(count / seconds);
      ctx.log(
        `  ${method.name} ${r === 0 ? 'warm-up' : `run ${r}`}: ${Math.round(count / seconds)} numbers/s`,
      );
    }
  }
  return new Map([...samples].map(([name, values]) => [name, spread(values)]));
}

async function prepareRun(ctx: BenchContext, method: Method, jobCount: number) {
  const numbers = await seedMarkedNumbers(
    ctx.db.sql,
    ctx.numbers,
    ctx.tenant,
    jobCount * method.jobSize,
  );
  const lists = chunk(numbers, method.jobSize);
  const ids = await insertJobs(ctx.db.sql, ctx.tenant, lists, method.jobState);
  return { jobs: ids.map((id, i) => ({ id, numbers: lists[i] ?? [] })) };
}

async function timeRun(method: Method, run: PreparedRun): Promise<number> {
  const queue = [...run.jobs];
  const started = process.hrtime.bigint();
  const runner = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      await method.transition(job.id, job.numbers);
    }
  };
  await Promise.all(Array.from({ length: method.concurrency }, runner));
  return Number(process.hrtime.bigint() - started) / 1e9;
}
