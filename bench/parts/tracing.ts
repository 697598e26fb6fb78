import { waitFor } from '../../test/support/wait.ts';
import type { BenchContext } from '../context.ts';
import { startOtlpSink } from '../otlp-sink.ts';
import {
  isFullSuccess,
  READY_FOR_REMOVAL_PATH,
  seedRequestBodies,
  startService,
} from '../service.ts';
import { percentile, type Spread, spread } from '../stats.ts';

export interface TracingModeResult {
  /** Numbers/s the worker moved over a backlog of async jobs, one figure per service start. */
  numbersPerSec: Spread;
  /** p50 of sequential synchronous 500-number requests, one figure per service start. */
  syncP50Ms: Spread;
  /** Service CPU ms per synchronous request. */
  cpuMsPerRequest: Spread;
}

type Exported = TracingModeResult & { exportRequests: number; exportedKiB: number };

export interface TracingResult {
  off: TracingModeResult;
  /** Every trace recorded and exported (always-on sampler). */
  on: Exported;
  /** One trace in ten recorded and exported (parentbased_traceidratio, 0.1). */
  sampled: Exported;
  jobsPerRun: number;
  syncRequests: number;
  failures: number;
}

type Mode = 'off' | 'on' | 'sampled';

const SAMPLED_RATIO = '0.1';

const MODE_ENV: Record<Mode, Record<string, string>> = {
  off: {},
  on: { OTEL_TRACES_SAMPLER: 'always_on' },
  sampled: {
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: SAMPLED_RATIO,
  },
};
interface Sample {
  numbersPerSec: number;
  syncP50Ms: number;
  cpuMsPerRequest: number;
  exportRequests: number;
  exportedBytes: number;
}

/**
 * Tracing's price, same run: the one-process service started with tracing off, on (always-on
 * sampler) and sampled (one trace in ten), OTLP/HTTP protobuf to a local receiver, in the order
 * off, on, sampled, sampled, on, off so that a machine getting busier or quieter weighs on all
 * alike. Each start measures sync request latency, then the worker's throughput over a backlog
 * of async jobs.
 */
export async function benchTracing(ctx: BenchContext): Promise<TracingResult> {
  const sink = await startOtlpSink();
  const jobsPerRun = ctx.sizes.jobsPerRun * 2;
  const syncRequests = Math.max(1, Math.floor(ctx.sizes.httpRequests / 2));
  // A single run (the smoke test's sizes) starts each mode once.
  const order: Mode[] =
    ctx.sizes.runs >= 2
      ? ['off', 'on', 'sampled', 'sampled', 'on', 'off']
      : ['off', 'on', 'sampled'];
  const samples: Record<Mode, Sample[]> = { off: [], on: [], sampled: [] };
  let failures = 0;
  try {
    for (const [i, mode] of order.entries()) {
      const env: Record<string, string> = { RATE_LIMIT_MAX: '1000000', ...MODE_ENV[mode] };
      if (mode !== 'off') {
        Object.assign(env, {
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
          OTEL_SERVICE_NAME: 'oc-numbers-bench',
        });
      }
      const before = { ...sink.received };
      const measured = await measureOnce(ctx, `tracing-${mode}-${i}`, env, {
        jobsPerRun,
        syncRequests,
        onFailure: () => {
          failures += 1;
        },
      });
      // The service flushed its last spans when it stopped: they count for this start.
      const sample = {
        ...measured,
        exportRequests: sink.received.requests - before.requests,
        exportedBytes: sink.received.bytes - before.bytes,
      };
      samples[mode].push(sample);
      ctx.log(
        `  tracing ${mode}: ${Math.round(sample.numbersPerSec)} numbers/s, sync p50 ${sample.syncP50Ms.toFixed(1)} ms`,
      );
    }
  } finally {
    await sink.close();
  }
  return {
    off: summary(samples.off),
    on: exported(samples.on),
    sampled: exported(samples.sampled),
    jobsPerRun,
    syncRequests,
    failures,
  };
}

function exported(samples: Sample[]): Exported {
  return {
    ...summary(samples),
    exportRequests: samples.reduce((sum, s) => sum + s.exportRequests, 0),
    exportedKiB: Math.round(samples.reduce((sum, s) => sum + s.exportedBytes, 0) / 1024),
  };
}

function summary(samples: Sample[]): TracingModeResult {
  return {
    numbersPerSec: spread(samples.map((s) => s.numbersPerSec)),
    syncP50Ms: spread(samples.map((s) => s.syncP50Ms)),
    cpuMsPerRequest: spread(samples.map((s) => s.cpuMsPerRequest)),
  };
}

async function measureOnce(
  ctx: BenchContext,
  name: string,
  env: Record<string, string>,
  plan: { jobsPerRun: number; syncRequests: number; onFailure: () => void },
): Promise<Omit<Sample, 'exportRequests' | 'exportedBytes'>> {
  const warmup = ctx.sizes.httpWarmup;
  const bodies = await seedRequestBodies(ctx, warmup + plan.syncRequests + plan.jobsPerRun);
  const service = await startService(ctx, name, env);
  try {
    const timings: number[] = [];
    let cpuBefore = 0;
    for (const [i, body] of bodies.slice(0, warmup + plan.syncRequests).entries()) {
      if (i === warmup) cpuBefore = await service.child.cpuSeconds();
      const answer = await service.client.post(READY_FOR_REMOVAL_PATH, body);
      if (!isFullSuccess(answer, body.telephoneNumbers.length)) plan.onFailure();
      if (i >= warmup) timings.push(answer.ms);
    }
    const cpuMs = ((await service.child.cpuSeconds()) - cpuBefore) * 1000;

    // The backlog: every job accepted first, then the worker's time from the first start to
    // the last finish, as Postgres recorded them.
    const jobIds: string[] = [];
    for (const body of bodies.slice(warmup + plan.syncRequests)) {
      const answer = await service.client.post(READY_FOR_REMOVAL_PATH, body, {
        prefer: 'respond-async',
      });
      if (answer.status !== 202) plan.onFailure();
      else jobIds.push((JSON.parse(answer.body) as { jobId: string }).jobId);
    }
    const span = await waitFor(
      'the backlog to be processed',
      async () => {
        const [row] = await ctx.db.sql<{ done: number; seconds: number; numbers: number }[]>`
          select count(*) filter (where state = 'completed')::int as done,
                 extract(epoch from max(finished_at) - min(started_at))::float8 as seconds,
                 sum(processed_count)::int as numbers
          from jobs where id = any(${jobIds}::uuid[])`;
        return row && row.done === jobIds.length ? row : undefined;
      },
      120_000,
      50,
    );
    return {
      numbersPerSec: span.numbers / span.seconds,
      syncP50Ms: percentile(timings, 50),
      cpuMsPerRequest: cpuMs / plan.syncRequests,
    };
  } finally {
    await service.stop();
  }
}
