import { waitFor } from '../../test/support/wait.ts';
import type { WebhookReceiver } from '../../test/support/webhook-receiver.ts';
import type { BenchContext } from '../context.ts';
import {
  isFullSuccess,
  READY_FOR_REMOVAL_PATH,
  type RunningService,
  seedRequestBodies,
  startService,
} from '../service.ts';
import { startServiceCpu } from '../service-cpu.ts';
import { type Latency, latency, type Spread, spread } from '../stats.ts';
import {
  ALLOW,
  ENDPOINTS,
  jobEndToArrivalMs,
  receivedSince,
  sameSideRatios,
  setEnabled,
  sidesOfPair,
} from './common.ts';

// The webhooks at the admitted load: the global budget (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_MS)
// offered evenly, open loop, to the whole service (src/main.ts) — runs with the operator's 3
// endpoints off and on, interleaved in pairs, in one warm service.

export interface AdmittedSide {
  /** Numbers moved per second of the run (first request sent → last answer). */
  numbersPerSec: Spread;
  /** The synchronous requests' latency, every run of the side pooled. */
  requestMs: Latency;
  /** Median job run time (startedAt → finishedAt) per run. */
  jobRunMs: Spread;
  /**
   * CPU per 1,000 numbers moved, deliveries included (on): the service process and its
   * Postgres backends.
   */
  cpuMsPer1000Numbers: Spread;
  /** Requests that did not answer 200 with every number moved. */
  failures: number;
}

export interface AdmittedResult {
  requestsPerMinute: number;
  secondsPerRun: number;
  pairs: number;
  off: AdmittedSide;
  on: AdmittedSide;
  /** on / off per pair: numbers/s, and service CPU per 1,000 numbers. */
  onOverOff: Spread;
  cpuOnOverOff: Spread;
  /** The A/A control: the same side run twice in a row, later over earlier (numbers/s, CPU). */
  control: Spread;
  cpuControl: Spread;
  /** From the job's finishedAt (in the message) to the receiver, every on-run pooled. */
  deliveryMs: Latency;
  delivered: number;
  expected: number;
}

interface RunSample {
  numbersPerSec: number;
  requestMs: number[];
  jobRunMs: number;
  cpuMsPer1000Numbers: number;
  failures: number;
  deliveredMs: number[];
  expected: number;
}

export async function measureAdmitted(
  ctx: BenchContext,
  receiver: WebhookReceiver,
): Promise<AdmittedResult> {
  const { config, sizes } = ctx;
  const perMinute = (config.rateLimit.max * 60_000) / config.rateLimit.windowMs;
  const intervalMs = 60_000 / perMinute;
  const secondsPerRun = Math.min(15, sizes.loadSeconds);
  const pairs = Math.min(4, sizes.runs);
  const perRun = Math.max(1, Math.floor((secondsPerRun * 1000) / intervalMs));
  const warmUp = Math.max(1, Math.floor(2000 / intervalMs));
  const bodies = await seedRequestBodies(ctx, warmUp + 2 * pairs * perRun);
  // Runs follow each other at the admitted rate; the budget's window is counted from the first
  // request, so back-to-back runs could meet a window holding a few requests of two runs. The
  // budget is lifted out of the way (the offered rate stays the admitted load); the workers'
  // limiter, sized from it, admits more than the 5 jobs/s offered either way.
  const service = await startService(ctx, 'webhooks', {
    ...ALLOW,
    RATE_LIMIT_MAX: String(config.rateLimit.max * 100),
    RATE_LIMIT_WINDOW_MS: String(config.rateLimit.windowMs),
  });
  const samples = { off: [] as RunSample[], on: [] as RunSample[] };
  const ratios = { throughput: [] as number[], cpu: [] as number[] };
  const sequence: { side: 'off' | 'on'; sample: RunSample }[] = [];
  try {
    const next = (n: number) => bodies.splice(0, n);
    await run(ctx, service, receiver, 'on', next(warmUp), intervalMs);
    for (let p = 0; p < pairs; p += 1) {
      const pair: Partial<Record<'off' | 'on', RunSample>> = {};
      for (const side of sidesOfPair(p)) {
        const sample = await run(ctx, service, receiver, side, next(perRun), intervalMs);
        pair[side] = sample;
        samples[side].push(sample);
        sequence.push({ side, sample });
      }
      const { off, on } = pair as Record<'off' | 'on', RunSample>;
      ratios.throughput.push(on.numbersPerSec / off.numbersPerSec);
      ratios.cpu.push(on.cpuMsPer1000Numbers / off.cpuMsPer1000Numbers);
      ctx.log(
        `  admitted pair ${p + 1}: off ${Math.round(off.numbersPerSec)}, on ${Math.round(on.numbersPerSec)} numbers/s; CPU ${off.cpuMsPer1000Numbers.toFixed(0)} / ${on.cpuMsPer1000Numbers.toFixed(0)} ms per 1,000; job p50 ${off.jobRunMs.toFixed(0)} / ${on.jobRunMs.toFixed(0)} ms`,
      );
    }
  } finally {
    await service.stop();
  }
  const deliveredMs = samples.on.flatMap((s) => s.deliveredMs);
  return {
    requestsPerMinute: perMinute,
    secondsPerRun,
    pairs,
    off: side(samples.off),
    on: side(samples.on),
    onOverOff: spread(ratios.throughput),
    cpuOnOverOff: spread(ratios.cpu),
    control: spread(sameSideRatios(sequence, (s) => s.numbersPerSec)),
    cpuControl: spread(sameSideRatios(sequence, (s) => s.cpuMsPer1000Numbers)),
    deliveryMs: latency(deliveredMs),
    delivered: deliveredMs.length,
    expected: samples.on.reduce((n, s) => n + s.expected, 0),
  };
}

const side = (runs: RunSample[]): AdmittedSide => ({
  numbersPerSec: spread(runs.map((r) => r.numbersPerSec)),
  requestMs: latency(runs.flatMap((r) => r.requestMs)),
  jobRunMs: spread(runs.map((r) => r.jobRunMs)),
  cpuMsPer1000Numbers: spread(runs.map((r) => r.cpuMsPer1000Numbers)),
  failures: runs.reduce((n, r) => n + r.failures, 0),
});

/**
 * One run: the bodies offered at the admitted rate; with the endpoints on, the run lasts until
 * every message has reached the receiver, so its CPU includes the deliveries.
 */
async function run(
  ctx: BenchContext,
  service: RunningService,
  receiver: WebhookReceiver,
  which: 'off' | 'on',
  bodies: { telephoneNumbers: string[] }[],
  intervalMs: number,
): Promise<RunSample> {
  await setEnabled(ctx, which === 'on');
  const wallStart = Date.now();
  const [clock] = await ctx.db.sql<{ now: Date }[]>`select now()`;
  const stopCpu = await startServiceCpu(ctx, () => service.child.cpuSeconds());
  const started = performance.now();
  const answers = await Promise.all(
    bodies.map(async (body, i) => {
      const wait = started + i * intervalMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      return service.client.post(READY_FOR_REMOVAL_PATH, body);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const succeeded = answers.filter((a) => isFullSuccess(a, ctx.sizes.jobSize)).length;
  const expected = which === 'on' ? succeeded * ENDPOINTS : 0;
  await waitFor(
    'every message at the receiver',
    async () => (receivedSince(receiver, wallStart).length >= expected ? true : undefined),
    60_000,
    20,
  ).catch((err: Error) => ctx.log(`  ${err.message}`));
  const cpu = await stopCpu();
  const [jobs] = await ctx.db.sql<{ ms: number | null }[]>`
    select percentile_cont(0.5) within group (
             order by extract(epoch from finished_at - started_at) * 1000)::float8 as ms
    from jobs where created_at >= ${clock?.now ?? new Date(0)} and state = 'completed'`;
  const moved = succeeded * ctx.sizes.jobSize;
  return {
    numbersPerSec: moved / seconds,
    requestMs: answers.map((a) => a.ms),
    jobRunMs: jobs?.ms ?? Number.NaN,
    cpuMsPer1000Numbers: moved ? (cpu.totalMs * 1000) / moved : Number.NaN,
    failures: answers.length - succeeded,
    deliveredMs: jobEndToArrivalMs(receivedSince(receiver, wallStart)),
    expected,
  };
}
