import { loadavg } from 'node:os';
import type { BenchContext } from '../context.ts';
import { type AdmittedLoadResult, benchAdmittedLoad } from '../parts/admitted-load.ts';
import { addCounts, sampleWaits, type WaitCounts } from '../pg-waits.ts';
import { type Latency, latency } from '../stats.ts';
import { type Arm, armEnv, armOrder, type OnVariant, onVariants } from './arms.ts';
import { ITEMS_PER_JOB, type NumberBlock, oldJobsLeft, seedOldJobs } from './old-jobs.ts';

// (a) of the retention part: the admitted load with retention off (twice) and on, in rounds.

// Requests sent in a run's first seconds are not counted (see runArm).
const WARMUP_SECONDS = 2;

export interface ArmRun extends AdmittedLoadResult {
  arm: Arm;
  round: number;
  /** 1-minute load average when the run ended. */
  loadAverage: number;
  /** Old jobs retention deleted during the run (0 when off) and per second of load. */
  oldJobsDeleted: number;
  deletedPerSec: number;
}

export interface ArmSummary {
  arm: Arm;
  /** Over every request of the arm's runs, pooled. */
  latencyMs: Latency;
  numbersPerSec: number;
  /** Per 100 ms sample: active backends by role and wait (bench/pg-waits.ts). */
  waitsPerSample: WaitCounts;
}

type Ratios = { p50: number[]; p95: number[]; p99: number[]; numbersPerSec: number[] };

export interface RoundsResult {
  rounds: number;
  loadSeconds: number;
  backlogJobs: number;
  ledgerRowsPerJob: number;
  onVariants: OnVariant[];
  /** Each run's figures; latencyMs and latenciesMs without the warm-up's requests. */
  runs: ArmRun[];
  arms: ArmSummary[];
  /** Per arm but "off A", per round, over the round's "off A": "off B" is the A/A control. */
  ratios: Record<Arm, Ratios>;
}

/** What one arm's runs gathered: every warm request's time, pg_stat_activity's samples. */
interface Gathered {
  latencies: number[];
  samples: number;
  counts: WaitCounts;
}

/**
 * `rounds` rounds of every arm for `loadSeconds` each, in an order rotated every round, the
 * backlog of old jobs topped up to `backlog` at the start of each round.
 */
export async function measureRounds(
  ctx: BenchContext,
  run: { rounds: number; loadSeconds: number; backlog: number; numbers: NumberBlock },
): Promise<RoundsResult> {
  const { sql } = ctx.db;
  const variants = onVariants();
  const arms: Arm[] = ['off A', 'off B', ...variants.map((v) => v.arm)];
  const result: RoundsResult = {
    rounds: run.rounds,
    loadSeconds: run.loadSeconds,
    backlogJobs: run.backlog,
    ledgerRowsPerJob: ITEMS_PER_JOB,
    onVariants: variants,
    runs: [],
    arms: [],
    ratios: Object.fromEntries(
      arms.slice(1).map((arm) => [arm, { p50: [], p95: [], p99: [], numbersPerSec: [] }]),
    ),
  };
  const gathered = new Map<Arm, Gathered>(
    arms.map((arm) => [arm, { latencies: [], samples: 0, counts: {} }]),
  );
  const runArm = async (arm: Arm, round: number): Promise<ArmRun> => {
    const before = await oldJobsLeft(sql);
    ctx.log(`round ${round + 1}/${run.rounds}: admitted load, retention ${arm}`);
    const sampler = sampleWaits(sql);
    const r = await benchAdmittedLoad(ctx, {
      name: `ret-${arms.indexOf(arm)}-${round}`,
      loadSeconds: run.loadSeconds,
      keepLatencies: true,
      env: armEnv(variants.find((v) => v.arm === arm)),
    });
    const w = await sampler.stop();
    const armGathered = gathered.get(arm) as Gathered;
    armGathered.samples += w.samples;
    addCounts(armGathered.counts, w.counts);
    const deleted = before - (await oldJobsLeft(sql));
    // The first requests meet a cold service (its first connections, code not yet compiled):
    // the slowest request of a run was often the first, in every arm. They are left out.
    const warm = (r.latenciesMs ?? []).slice(
      Math.ceil((WARMUP_SECONDS * r.requestsPerMinute) / 60),
    );
    armGathered.latencies.push(...warm);
    const armRun = {
      ...r,
      latencyMs: latency(warm),
      latenciesMs: warm.map((x) => Math.round(x * 10) / 10),
      arm,
      round,
      loadAverage: loadavg()[0] ?? Number.NaN,
      oldJobsDeleted: deleted,
      deletedPerSec: deleted / r.seconds,
    };
    result.runs.push(armRun);
    return armRun;
  };
  for (let round = 0; round < run.rounds; round++) {
    // Top the backlog up at the start of the round, whichever arm comes first.
    const left = await oldJobsLeft(sql);
    if (left < run.backlog) {
      await seedOldJobs(ctx, run.backlog - left, run.numbers);
      await sql`vacuum analyze jobs, job_items, idempotency_keys`;
    }
    const byArm = new Map<Arm, ArmRun>();
    for (const arm of armOrder(arms, round)) byArm.set(arm, await runArm(arm, round));
    addRatios(result.ratios, byArm);
  }
  result.arms = arms.map((arm) =>
    summarise(
      arm,
      result.runs.filter((r) => r.arm === arm),
      gathered.get(arm) as Gathered,
    ),
  );
  return result;
}

/** Each arm's run of the round over the round's "off A" run. */
function addRatios(ratios: Record<Arm, Ratios>, byArm: Map<Arm, ArmRun>) {
  const a = byArm.get('off A') as ArmRun;
  for (const [arm, armRatios] of Object.entries(ratios)) {
    const other = byArm.get(arm) as ArmRun;
    armRatios.p50.push(other.latencyMs.p50 / a.latencyMs.p50);
    armRatios.p95.push(other.latencyMs.p95 / a.latencyMs.p95);
    armRatios.p99.push(other.latencyMs.p99 / a.latencyMs.p99);
    armRatios.numbersPerSec.push(other.numbersPerSec / a.numbersPerSec);
  }
}

function summarise(arm: Arm, runs: ArmRun[], gathered: Gathered): ArmSummary {
  const perSample: WaitCounts = {};
  for (const [k, v] of Object.entries(gathered.counts)) {
    perSample[k] = Math.round((v / Math.max(1, gathered.samples)) * 1000) / 1000;
  }
  return {
    arm,
    latencyMs: latency(gathered.latencies),
    numbersPerSec: runs.reduce((s, r) => s + r.numbersPerSec, 0) / runs.length,
    waitsPerSample: perSample,
  };
}
