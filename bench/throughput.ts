import type { BenchContext } from './context.ts';
import type { BenchDatabase } from './database.ts';
import { PostgresCpu } from './postgres-cpu.ts';
import { chunk, insertJobs, seedMarkedNumbers, type Tenant } from './seed.ts';
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
  /** The operation of the jobs rows (default ready-for-removal). */
  operation?: string;
  /** Where its jobs are seeded and run (default: the bench database and tenant). */
  target?: Target;
  transition(jobId: string, numbers: readonly string[]): Promise<unknown>;
}

interface Target {
  db: BenchDatabase;
  tenant: Tenant;
}

/** Where the time of a method goes, per 1,000 numbers, summed over its measured runs. */
export interface Breakdown {
  wallMs: number;
  /** CPU of this Node process: query building, drivers, result parsing, JS of the method. */
  nodeCpuMs: number;
  /** CPU of the Postgres backends serving this process; undefined if /proc is unreadable. */
  postgresCpuMs: number | undefined;
}

export interface Measured {
  numbersPerSec: Spread;
  /** Only when asked for (`cpuSplit`): it samples every Postgres backend around each run. */
  breakdown?: Breakdown;
}

interface PreparedRun {
  jobs: { id: string; numbers: string[] }[];
  count: number;
}

/**
 * Measures every method `runs` times, interleaved (A B C A B C …) so that background noise
 * and table growth fall on all methods alike. Seeding happens before the clock starts, and one
 * untimed warm-up run of one job per method comes first. With `cpuSplit`, each method's time
 * is also split into this process's CPU, the Postgres backends' CPU and waits (diagnosis).
 */
export async function measureThroughput(
  ctx: BenchContext,
  methods: readonly Method[],
  runs: number,
  options: { cpuSplit: boolean },
): Promise<Map<string, Measured>> {
  const prepared = new Map<string, PreparedRun[]>();
  for (const method of methods) {
    const list = [await prepareRun(ctx, method, method.concurrency)]; // warm-up
    for (let r = 0; r < runs; r += 1) list.push(await prepareRun(ctx, method, method.jobsPerRun));
    prepared.set(method.name, list);
  }
  const targets = new Set(methods.map((m) => targetOf(ctx, m)));
  for (const { db } of targets) await db.sql`analyze`;
  // One sampler per database: each reads the backends of its own database.
  const samplers = new Map([...targets].map(({ db }) => [db, new PostgresCpu(db.sql, 'bench')]));
  const totals = new Map(
    methods.map((m) => [
      m.name,
      { samples: [] as number[], numbers: 0, wallS: 0, nodeS: 0, pgS: 0 as number | undefined },
    ]),
  );
  for (let r = 0; r <= runs; r += 1) {
    for (const method of methods) {
      const run = prepared.get(method.name)?.[r];
      const total = totals.get(method.name);
      if (!run || !total) throw new Error('run not prepared');
      const target = targetOf(ctx, method);
      const pgCpu = options.cpuSplit ? samplers.get(target.db) : undefined;
      await pgCpu?.start();
      const cpuBefore = process.cpuUsage();
      const seconds = await timeRun(method, run);
      const cpu = process.cpuUsage(cpuBefore);
      const pgSeconds = await pgCpu?.elapsed();
      await closeJobs(target, run);
      const perSec = run.count / seconds;
      ctx.log(
        `  ${method.name} ${r === 0 ? 'warm-up' : `run ${r}`}: ${Math.round(perSec)} numbers/s`,
      );
      if (r === 0) continue;
      total.samples.push(perSec);
      total.numbers += run.count;
      total.wallS += seconds;
      total.nodeS += (cpu.user + cpu.system) / 1e6;
      total.pgS =
        total.pgS === undefined || pgSeconds === undefined ? undefined : total.pgS + pgSeconds;
    }
  }
  const perThousand = (seconds: number, numbers: number) => (seconds * 1e6) / numbers;
  return new Map(
    [...totals].map(([name, t]) => [
      name,
      {
        numbersPerSec: spread(t.samples),
        ...(options.cpuSplit && {
          breakdown: {
            wallMs: perThousand(t.wallS, t.numbers),
            nodeCpuMs: perThousand(t.nodeS, t.numbers),
            postgresCpuMs: t.pgS === undefined ? undefined : perThousand(t.pgS, t.numbers),
          },
        }),
      },
    ]),
  );
}

const targetOf = (ctx: BenchContext, method: Method): Target =>
  method.target ?? { db: ctx.db, tenant: ctx.tenant };

async function prepareRun(ctx: BenchContext, method: Method, jobCount: number) {
  const count = jobCount * method.jobSize;
  const { db, tenant } = targetOf(ctx, method);
  const numbers = await seedMarkedNumbers(db.sql, ctx.numbers, tenant, count);
  const lists = chunk(numbers, method.jobSize);
  const ids = await insertJobs(db.sql, tenant, lists, method.jobState, method.operation);
  return { jobs: ids.map((id, i) => ({ id, numbers: lists[i] ?? [] })), count };
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

/**
 * Baselines never end their jobs rows; left `active`, the service's recovery sweep would find
 * them (older than 30 s, not in the queue) and re-enqueue them into a later part's workers.
 */
async function closeJobs(target: Target, run: PreparedRun): Promise<void> {
  const ids = run.jobs.map((j) => j.id);
  await target.db.sql`
    update jobs set state = 'completed', finished_at = now()
    where id = any(${ids}::uuid[]) and state in ('queued', 'active')`;
}
