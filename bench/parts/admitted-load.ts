import { Queue } from 'bullmq';
import { OPERATION_QUEUE } from '../../src/queue/operation-queue.ts';
import { createRedis } from '../../src/queue/redis.ts';
import type { BenchContext } from '../context.ts';
import type { HttpAnswer } from '../http-client.ts';
import { PostgresCpu } from '../postgres-cpu.ts';
import {
  isFullSuccess,
  READY_FOR_REMOVAL_PATH,
  seedRequestBodies,
  startService,
} from '../service.ts';
import { type Latency, latency } from '../stats.ts';

export interface AdmittedLoadResult {
  seconds: number;
  requestsPerMinute: number;
  requests: number;
  succeeded: number;
  statusCounts: Record<string, number>;
  numbersPerSec: number;
  latencyMs: Latency;
  /** Highest BullMQ waiting (+ delayed + prioritized) and active counts seen, sampled. */
  maxWaiting: number;
  maxActive: number;
  backlogSamples: number;
  /** [seconds since start, waiting, active] for every sample where anything waited. */
  backlogWhenNonZero: [number, number, number][];
  /** The five slowest requests: when they were sent and how long they took. */
  slowest: { sentAtSeconds: number; ms: number }[];
  /** Every request's time (ms) in sending order: only when the run asked (`keepLatencies`). */
  latenciesMs?: number[];
  /** Jobs not completed in Postgres once the last answer came back. */
  unfinishedJobs: number;
  serviceCpuMsPer1000Numbers: number;
  /** With --diagnose only; undefined also when the backends' CPU cannot be read from /proc. */
  postgresCpuMsPer1000Numbers: number | undefined;
}

/**
 * Part 3: the whole global budget (RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW_MS, real
 * defaults) offered evenly, open loop (a request goes out on schedule whether or not the
 * previous one answered), for `loadSeconds`.
 */
export async function benchAdmittedLoad(
  ctx: BenchContext,
  run: {
    name?: string;
    env?: Record<string, string>;
    /** Overrides `sizes.loadSeconds` (the retention part's shorter rounds). */
    loadSeconds?: number;
    keepLatencies?: boolean;
  } = {},
): Promise<AdmittedLoadResult> {
  const { sizes, config } = ctx;
  const perMinute = (config.rateLimit.max * 60_000) / config.rateLimit.windowMs;
  const intervalMs = 60_000 / perMinute;
  const count = Math.floor(((run.loadSeconds ?? sizes.loadSeconds) * 1000) / intervalMs);
  const bodies = await seedRequestBodies(ctx, count);
  const service = await startService(ctx, run.name ?? 'load', {
    RATE_LIMIT_MAX: String(config.rateLimit.max),
    RATE_LIMIT_WINDOW_MS: String(config.rateLimit.windowMs),
    ...run.env,
  });
  const connection = createRedis(config.redisUrl, 'bullmq', 'bench-backlog');
  const queue = new Queue(OPERATION_QUEUE, { connection, prefix: service.queuePrefix });
  const backlog = {
    maxWaiting: 0,
    maxActive: 0,
    samples: 0,
    nonZero: [] as [number, number, number][],
  };
  let loadStarted = performance.now();
  const sample = async () => {
    const c = await queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active');
    const waiting = (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0);
    backlog.maxWaiting = Math.max(backlog.maxWaiting, waiting);
    backlog.maxActive = Math.max(backlog.maxActive, c.active ?? 0);
    backlog.samples += 1;
    const at = Math.round((performance.now() - loadStarted) / 100) / 10;
    if (waiting > 0) backlog.nonZero.push([at, waiting, c.active ?? 0]);
  };
  const sampler = setInterval(() => void sample().catch(() => {}), 250);
  // What the admitted load costs the operator's database: its backends' CPU, from /proc.
  const pgCpu = new PostgresCpu(ctx.db.sql, 'service');
  try {
    const [clock] = await ctx.db.sql<{ now: Date }[]>`select now()`;
    await pgCpu.start();
    const cpuBefore = await service.child.cpuSeconds();
    const started = performance.now();
    loadStarted = started;
    const answers = await Promise.all(
      bodies.map(async (body, i) => {
        await sleepUntil(started + i * intervalMs);
        return service.client.post(READY_FOR_REMOVAL_PATH, body);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const serviceCpu = (await service.child.cpuSeconds()) - cpuBefore;
    const postgresCpu = await pgCpu.elapsed();
    const [unfinished] = await ctx.db.sql<{ n: number }[]>`
      select count(*)::int as n from jobs
      where state in ('queued', 'active') and created_at >= ${clock?.now ?? new Date(0)}`;
    const summary = summarize({
      intervalMs,
      answers,
      seconds,
      perMinute,
      backlog,
      serviceCpu,
      postgresCpu,
      unfinished: unfinished?.n ?? 0,
      jobSize: sizes.jobSize,
    });
    return run.keepLatencies ? { ...summary, latenciesMs: answers.map((a) => a.ms) } : summary;
  } finally {
    clearInterval(sampler);
    await queue.close();
    await connection.quit();
    await service.stop();
  }
}

function summarize(m: {
  answers: HttpAnswer[];
  seconds: number;
  perMinute: number;
  backlog: {
    maxWaiting: number;
    maxActive: number;
    samples: number;
    nonZero: [number, number, number][];
  };
  intervalMs: number;
  serviceCpu: number;
  postgresCpu: number | undefined;
  unfinished: number;
  jobSize: number;
}): AdmittedLoadResult {
  const statusCounts: Record<string, number> = {};
  for (const a of m.answers) statusCounts[a.status] = (statusCounts[a.status] ?? 0) + 1;
  const succeeded = m.answers.filter((a) => isFullSuccess(a, m.jobSize)).length;
  const moved = succeeded * m.jobSize;
  const perThousand = (cpuSeconds: number) => (moved ? (cpuSeconds * 1e6) / moved : Number.NaN);
  return {
    seconds: m.seconds,
    requestsPerMinute: m.perMinute,
    requests: m.answers.length,
    succeeded,
    statusCounts,
    numbersPerSec: moved / m.seconds,
    latencyMs: latency(m.answers.map((a) => a.ms)),
    maxWaiting: m.backlog.maxWaiting,
    maxActive: m.backlog.maxActive,
    backlogSamples: m.backlog.samples,
    backlogWhenNonZero: m.backlog.nonZero,
    slowest: m.answers
      .map((a, i) => ({ sentAtSeconds: (i * m.intervalMs) / 1000, ms: Math.round(a.ms) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5),
    unfinishedJobs: m.unfinished,
    serviceCpuMsPer1000Numbers: perThousand(m.serviceCpu),
    postgresCpuMsPer1000Numbers:
      m.postgresCpu === undefined ? undefined : perThousand(m.postgresCpu),
  };
}

function sleepUntil(at: number): Promise<void> {
  const wait = at - performance.now();
  return wait > 0 ? new Promise((r) => setTimeout(r, wait)) : Promise.resolve();
}
