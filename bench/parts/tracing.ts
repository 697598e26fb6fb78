import type { BenchContext } from '../context.ts';
import { startOtlpSink } from '../otlp-sink.ts';
import { baselineRoot } from '../processes.ts';
import { type RunningService, seedRequestBodies, startService } from '../service.ts';
import { type Spread, spread } from '../stats.ts';
import { type BlockSample, measureBlock } from '../tracing/block.ts';

/** What each service start is measured on, per block (one figure per block). */
const FIGURES = [
  'syncP50Ms',
  'cpuMsPerRequest',
  'nodeCpuMsPerRequest',
  'numbersPerSec',
  'cpuMsPer1000Numbers',
  'nodeCpuMsPer1000Numbers',
] as const;
type Figure = (typeof FIGURES)[number];
export type Figures = Record<Figure, Spread>;

type Exported = { exportRequests: number; exportedKiB: number };

export interface TracingResult {
  rounds: number;
  syncPerBlock: number;
  jobsPerBlock: number;
  /** The two services with tracing off, every block pooled. */
  off: Figures;
  /** Every trace recorded and exported (always-on sampler). */
  on: Figures & Exported;
  /** One trace in ten recorded and exported (parentbased_traceidratio, 0.1). */
  sampled: Figures & Exported;
  /** Per round: on over the mean of the round's two off blocks. */
  onOverOff: Figures;
  sampledOverOff: Figures;
  /** Per round: the second off service over the first, the same configuration twice (A/A). */
  control: Figures;
  /**
   * With OCN_BENCH_BASELINE_ROOT: the baseline tree's service, always-on, in the same rounds;
   * its ratio to off, and this tree's always-on over it.
   */
  baseline?: { on: Figures & Exported; onOverOff: Figures; onOverBaseline: Figures };
  failures: number;
}

type Mode = 'offA' | 'offB' | 'on' | 'onBase' | 'sampled';

const MODE_ENV: Record<Mode, Record<string, string>> = {
  offA: {},
  offB: {},
  on: { OTEL_TRACES_SAMPLER: 'always_on' },
  onBase: { OTEL_TRACES_SAMPLER: 'always_on' },
  sampled: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
};
/**
 * Round r starts r places further down this list (a rotation): every mode takes every place in
 * turn, and every service idles the same number of turns between two of its own. (Reversing
 * every other round ran the services at the ends twice in a row, warm, and the ones in the
 * middle never.)
 */
const MODES: Mode[] = ['offA', 'on', 'onBase', 'sampled', 'offB'];

/**
 * Tracing's price, same run: four services up at once — tracing off twice (the A/A control that
 * shows the noise floor), always-on, and sampled one in ten, the traced ones exporting OTLP/HTTP
 * protobuf to receivers in the bench process — taking turns in rounds, the order rotated by one
 * place each round, one working while the others idle. Each turn is a block of
 * sequential sync requests, then a backlog of async jobs; every figure is compared within its
 * round, so a machine getting busier or quieter between rounds cancels out.
 */
export async function benchTracing(ctx: BenchContext): Promise<TracingResult> {
  const { sizes } = ctx;
  const base = baselineRoot();
  const modes = MODES.filter((mode) => mode !== 'onBase' || base);
  // A whole number of rotations: every mode takes every place equally often. (Six rounds of
  // four modes gave two places twice as many turns, and off B came out 1–17 % faster than
  // off A in every run of four.)
  const rotations = sizes.runs >= 2 ? Math.ceil(sizes.runs / modes.length) : 0;
  const rounds = rotations * modes.length || 1;
  const syncPerBlock = Math.max(sizes.runs >= 2 ? 5 : 1, Math.floor(sizes.httpRequests / 8));
  const jobsPerBlock = sizes.jobsPerRun * 2;
  const warmUp = sizes.httpWarmup;
  const perService = warmUp + 1 + rounds * (syncPerBlock + jobsPerBlock);
  const bodies = await seedRequestBodies(ctx, modes.length * perService);
  const next = (n: number) => bodies.splice(0, n);
  const sinks = {
    on: await startOtlpSink(),
    onBase: await startOtlpSink(),
    sampled: await startOtlpSink(),
  };
  const services = new Map<Mode, RunningService>();
  const samples = new Map<Mode, BlockSample[]>(modes.map((mode) => [mode, []]));
  let failures = 0;
  try {
    for (const mode of modes) {
      const sink = mode === 'offA' || mode === 'offB' ? undefined : sinks[mode];
      const env: Record<string, string> = { RATE_LIMIT_MAX: '1000000', ...MODE_ENV[mode] };
      if (sink) {
        Object.assign(env, {
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
          OTEL_SERVICE_NAME: 'oc-numbers-bench',
        });
      }
      const root = mode === 'onBase' ? base : undefined;
      const service = await startService(ctx, `tracing-${mode}`, env, root);
      services.set(mode, service);
      // Warm-up: JIT, pools and caches; not counted.
      await measureBlock(ctx, service, next(warmUp), next(1));
    }
    for (let round = 0; round < rounds; round += 1) {
      const order = [...modes.slice(round % modes.length), ...modes.slice(0, round % modes.length)];
      for (const mode of order) {
        const service = services.get(mode) as RunningService;
        const sample = await measureBlock(ctx, service, next(syncPerBlock), next(jobsPerBlock));
        failures += sample.failures;
        samples.get(mode)?.push(sample);
      }
      const line = modes.map((mode) => {
        const s = samples.get(mode)?.at(-1) as BlockSample;
        return `${mode} ${Math.round(s.numbersPerSec)}/s p50 ${s.syncP50Ms.toFixed(1)} cpu ${s.cpuMsPerRequest.toFixed(1)}`;
      });
      ctx.log(`  tracing round ${round + 1}: ${line.join('; ')}`);
    }
  } finally {
    await Promise.all([...services.values()].map((s) => s.stop()));
    await Promise.all(Object.values(sinks).map((sink) => sink.close()));
  }
  const of = (mode: Mode) => samples.get(mode) ?? [];
  const offMean = of('offA').map((a, i) => meanSample(a, of('offB')[i] ?? a));
  return {
    rounds,
    syncPerBlock,
    jobsPerBlock,
    off: figures([...of('offA'), ...of('offB')]),
    on: { ...figures(of('on')), ...exported(sinks.on.received) },
    sampled: { ...figures(of('sampled')), ...exported(sinks.sampled.received) },
    onOverOff: ratios(of('on'), offMean),
    sampledOverOff: ratios(of('sampled'), offMean),
    control: ratios(of('offB'), of('offA')),
    ...(base && {
      baseline: {
        on: { ...figures(of('onBase')), ...exported(sinks.onBase.received) },
        onOverOff: ratios(of('onBase'), offMean),
        onOverBaseline: ratios(of('on'), of('onBase')),
      },
    }),
    failures,
  };
}

const exported = (received: { requests: number; bytes: number }): Exported => ({
  exportRequests: received.requests,
  exportedKiB: Math.round(received.bytes / 1024),
});

const figures = (blocks: BlockSample[]): Figures =>
  Object.fromEntries(FIGURES.map((f) => [f, spread(blocks.map((b) => b[f]))])) as Figures;

const ratios = (over: BlockSample[], under: BlockSample[]): Figures =>
  Object.fromEntries(
    FIGURES.map((f) => [f, spread(over.map((b, i) => b[f] / (under[i]?.[f] ?? Number.NaN)))]),
  ) as Figures;

const meanSample = (a: BlockSample, b: BlockSample): BlockSample =>
  ({
    ...Object.fromEntries(FIGURES.map((f) => [f, (a[f] + b[f]) / 2])),
    failures: 0,
  }) as BlockSample;
