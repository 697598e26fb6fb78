import { Queue } from 'bullmq';
import { createRedis } from '../../src/queue/redis.ts';
import { WEBHOOK_QUEUE } from '../../src/webhooks/queue.ts';
import { waitFor } from '../../test/support/wait.ts';
import type { BenchContext } from '../context.ts';
import { benchProcessEnv, type NodeChild, spawnNode } from '../processes.ts';
import { assertNoOpenJobs, chunk, insertJobs, seedMarkedNumbers } from '../seed.ts';
import { startServiceCpu } from '../service-cpu.ts';
import { type Spread, spread } from '../stats.ts';
import { startWorkerFleet } from '../worker-fleet.ts';
import {
  ALLOW,
  ENDPOINTS,
  pendingDeliveries,
  sameSideRatios,
  setEnabled,
  sidesOfPair,
} from './common.ts';

// The webhooks on a saturated worker: a backlog of jobs drained by one worker process
// (workers/main.ts, concurrency 4) as fast as it goes, endpoints off and on, interleaved. Two
// layouts: deliveries in the same process (the default, WORKER_QUEUES unset), and in a process
// of their own (WORKER_QUEUES=operations beside WORKER_QUEUES=webhooks).

export type Layout = 'together' | 'apart';

export interface DrainResult {
  layout: Layout;
  /** Measured on the baseline tree (OCN_BENCH_BASELINE_ROOT) rather than this one. */
  baseline?: true;
  jobsPerRun: number;
  off: Spread;
  on: Spread;
  /** on / off per pair. */
  onOverOff: Spread;
  /**
   * CPU per 1,000 numbers, the deliveries included: the worker process(es) and their Postgres
   * backends, from the first job's enqueue to the last delivery.
   */
  cpuOff: Spread;
  cpuOn: Spread;
  cpuOnOverOff: Spread;
  /** The A/A control: the same side run twice in a row, later over earlier (numbers/s, CPU). */
  control: Spread;
  cpuControl: Spread;
  /** From the last job's end to the last delivery, per on-run. */
  deliveryTailMs: Spread;
  /**
   * Where the on-runs' extra CPU went, per delivery (on − off, per pair, over the pair's
   * deliveries): the worker process(es), their Postgres backends, Redis (its whole server:
   * other users of it count too) and the bench's own process (the receiver answering).
   */
  extraPerDelivery: Record<CpuPart, Spread>;
}

type CpuPart = 'worker' | 'postgres' | 'redis' | 'bench';
const CPU_PARTS: readonly CpuPart[] = ['worker', 'postgres', 'redis', 'bench'];

export async function measureDrain(
  ctx: BenchContext,
  layout: Layout,
  root?: string,
): Promise<DrainResult> {
  const { sizes } = ctx;
  await assertNoOpenJobs(ctx.db.sql);
  const queuePrefix = `${ctx.queuePrefix}-webhooks-${layout}${root ? '-baseline' : ''}`;
  const fleet = await startWorkerFleet({
    root,
    config: ctx.config,
    databaseUrl: ctx.db.url,
    queuePrefix,
    processes: 1,
    concurrency: 4,
    env: { ...ALLOW, ...(layout === 'apart' && { WORKER_QUEUES: 'operations' }) },
  });
  let deliverer: NodeChild | undefined;
  // Seconds of work per run on a quiet machine (a 500-number job takes about 15 ms there), so
  // the deliveries reach their steady state within the run rather than trailing after it.
  // OCN_BENCH_WEBHOOKS_JOBS: longer runs, which the machine's minute-to-minute swings move less.
  const jobsPerRun = Number(
    process.env.OCN_BENCH_WEBHOOKS_JOBS ?? Math.max(8, 10 * sizes.scalingJobs),
  );
  // OCN_BENCH_WEBHOOKS_PAIRS: more pairs, for a median that a noisy machine moves less.
  const pairs = Number(process.env.OCN_BENCH_WEBHOOKS_PAIRS ?? Math.min(4, sizes.runs));
  const samples = { off: [] as number[], on: [] as number[], ratio: [] as number[] };
  const cpu = { off: [] as number[], on: [] as number[], ratio: [] as number[] };
  const sequence: { side: 'off' | 'on'; sample: { perSec: number; cpu: number } }[] = [];
  const processCpu = async () => {
    const children = deliverer ? [...fleet.children, deliverer] : fleet.children;
    const seconds = await Promise.all(children.map((c) => c.cpuSeconds()));
    return seconds.reduce((a, b) => a + b, 0);
  };
  const tails: number[] = [];
  const extra = Object.fromEntries(CPU_PARTS.map((k) => [k, [] as number[]])) as Record<
    CpuPart,
    number[]
  >;
  const redis = createRedis(ctx.config.redisUrl, 'bullmq', 'bench-redis-cpu');
  try {
    if (layout === 'apart') deliverer = await startDeliverer(ctx, queuePrefix, root);
    for (let p = 0; p <= pairs; p += 1) {
      const pair: Record<'off' | 'on', number> = { off: 0, on: 0 };
      const pairCpu: Record<'off' | 'on', number> = { off: 0, on: 0 };
      const parts = {} as Record<'off' | 'on', Record<CpuPart, number>>;
      for (const side of sidesOfPair(p)) {
        await setEnabled(ctx, side === 'on');
        const numbers = await seedMarkedNumbers(
          ctx.db.sql,
          ctx.numbers,
          ctx.tenant,
          jobsPerRun * sizes.jobSize,
        );
        const ids = await insertJobs(
          ctx.db.sql,
          ctx.tenant,
          chunk(numbers, sizes.jobSize),
          'queued',
        );
        await settle(ctx);
        const stopCpu = await startServiceCpu(ctx, processCpu);
        const [redisBefore, benchBefore] = [await redisCpuMs(redis), process.cpuUsage()];
        const started = process.hrtime.bigint();
        await fleet.runAll(ids.map((jobId) => ({ jobId, operatorId: ctx.tenant.operatorId })));
        const ended = process.hrtime.bigint();
        pair[side] = numbers.length / (Number(ended - started) / 1e9);
        // The next run starts once every message is delivered: runs never overlap.
        await waitFor(
          'every delivery made',
          async () => ((await pendingDeliveries(ctx)) === 0 ? true : undefined),
          60_000,
          20,
        );
        if (side === 'on' && p > 0) tails.push(Number(process.hrtime.bigint() - ended) / 1e6);
        const used = await stopCpu();
        const benchUsed = process.cpuUsage(benchBefore);
        parts[side] = {
          worker: used.nodeMs,
          postgres: used.postgresMs,
          redis: (await redisCpuMs(redis)) - redisBefore,
          bench: (benchUsed.user + benchUsed.system) / 1000,
        };
        pairCpu[side] = (used.totalMs * 1000) / numbers.length;
        if (p > 0) sequence.push({ side, sample: { perSec: pair[side], cpu: pairCpu[side] } });
      }
      ctx.log(
        `  drain (${layout}${root ? ', baseline' : ''}) ${p === 0 ? 'warm-up' : `pair ${p}`}: off ${Math.round(pair.off)}, on ${Math.round(pair.on)} numbers/s; CPU ${pairCpu.off.toFixed(1)} / ${pairCpu.on.toFixed(1)} ms per 1,000`,
      );
      if (p === 0) continue;
      samples.off.push(pair.off);
      samples.on.push(pair.on);
      samples.ratio.push(pair.on / pair.off);
      cpu.off.push(pairCpu.off);
      cpu.on.push(pairCpu.on);
      cpu.ratio.push(pairCpu.on / pairCpu.off);
      // Each run moves the same numbers; 'on' makes one delivery per job and endpoint.
      const deliveries = jobsPerRun * ENDPOINTS;
      const perDelivery = CPU_PARTS.map((k) => (parts.on[k] - parts.off[k]) / deliveries);
      for (const [i, k] of CPU_PARTS.entries()) extra[k].push(perDelivery[i] ?? 0);
      ctx.log(
        `    extra CPU per delivery: ${CPU_PARTS.map((k, i) => `${k} ${(perDelivery[i] ?? 0).toFixed(2)}`).join(', ')} ms`,
      );
    }
  } finally {
    await redis.quit();
    await deliverer?.stop();
    await fleet.close();
  }
  return {
    layout,
    ...(root && { baseline: true as const }),
    jobsPerRun,
    off: spread(samples.off),
    on: spread(samples.on),
    onOverOff: spread(samples.ratio),
    cpuOff: spread(cpu.off),
    cpuOn: spread(cpu.on),
    cpuOnOverOff: spread(cpu.ratio),
    control: spread(sameSideRatios(sequence, (s) => s.perSec)),
    cpuControl: spread(sameSideRatios(sequence, (s) => s.cpu)),
    deliveryTailMs: spread(tails),
    extraPerDelivery: Object.fromEntries(CPU_PARTS.map((k) => [k, spread(extra[k])])) as Record<
      CpuPart,
      Spread
    >,
  };
}

/**
 * Every run starts from the same state of Postgres, outside its measured time. Two costs would
 * otherwise land on whichever run happens to meet them, charged to the worker's backends: the
 * first touch of rows just seeded (hint bits, the visibility map: what autovacuum does to rows
 * in production long before a job reads them), and the first change of each page after a
 * checkpoint (a full-page image in the WAL), which a checkpoint started by the WAL's volume puts
 * in some runs and not others. Both sides get it alike.
 */
async function settle(ctx: BenchContext): Promise<void> {
  await ctx.db.sql`vacuum (analyze)`;
  await ctx.db.sql`checkpoint`;
}

/** Redis' own CPU so far (INFO cpu: the server's user + system seconds), in ms. */
async function redisCpuMs(redis: ReturnType<typeof createRedis>): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000;
}

/** A worker process serving the delivery queue only, ready once it listens on it. */
async function startDeliverer(ctx: BenchContext, queuePrefix: string, root?: string) {
  const child = spawnNode(
    'workers/main.ts',
    {
      ...benchProcessEnv({ databaseUrl: ctx.db.url, redisUrl: ctx.config.redisUrl, queuePrefix }),
      WORKER_QUEUES: 'webhooks',
      ...ALLOW,
    },
    root,
  );
  const connection = createRedis(ctx.config.redisUrl, 'bullmq', 'bench-deliverer');
  const queue = new Queue(WEBHOOK_QUEUE, { connection, prefix: queuePrefix });
  try {
    await waitFor(
      'the delivery process',
      async () => ((await queue.getWorkersCount()) >= 1 ? true : undefined),
      30_000,
      50,
    );
    return child;
  } catch (err) {
    await child.stop();
    throw new Error(`${(err as Error).message}; its output:\n${child.output()}`);
  } finally {
    await queue.close();
    await connection.quit();
  }
}
