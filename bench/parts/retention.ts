import { loadavg } from 'node:os';
import type { Sql } from '../../src/db/client.ts';
import { deleteEndedJobs } from '../../src/jobs/retention.ts';
import type { BenchContext } from '../context.ts';
import { addCounts, sampleWaits, type WaitCounts } from '../pg-waits.ts';
import { seedMarkedNumbers } from '../seed.ts';
import { type Latency, latency, percentile } from '../stats.ts';
import { formatTable, type Row } from '../table.ts';
import { type AdmittedLoadResult, benchAdmittedLoad } from './admitted-load.ts';

// `npm run bench -- --parts retention` (never in the default run; docs/performance.md, "Retention"):
// (a) what retention costs the admitted load, decidable above the bench's own noise: rounds of
//     three services, each offered the whole global budget for LOAD_SECONDS — retention off
//     twice (A and B: the A/A control, the same configuration measured twice) and on, deleting
//     a backlog of old jobs meanwhile (JOB_RETENTION_DAYS=1, the task starting within a
//     second) — in an order rotated every round, so no arm always comes first or last. Per
//     round, on/A and B/A share their denominator: if retention costs nothing, the two ratios
//     are draws from the same spread. pg_stat_activity is sampled meanwhile (bench/pg-waits.ts)
//     to show what the backends wait on with retention on and off.
// (b) what it leaves behind: cycles of "a backlog of old jobs arrives, retention deletes it,
//     a plain VACUUM (what autovacuum does) runs", with the tables' sizes after each cycle.
//     Space reused shows as sizes that stop growing after the first cycle.
// OCN_BENCH_RETENTION_ON_ENV="K=V,K=V;K=V" gives settings to the "on" service: each variant
// (`;`-separated) is an arm of its own, measured in the same rounds (pacings side by side).
// OCN_BENCH_RETENTION_CYCLES=0 leaves out (b).

const ROUNDS = Number(process.env.OCN_BENCH_RETENTION_ROUNDS ?? 6);
const LOAD_SECONDS = Number(process.env.OCN_BENCH_RETENTION_LOAD_S ?? 25);
// Requests sent in a run's first seconds are not counted (see runArm).
const WARMUP_SECONDS = 2;
// The backlog kept before each round: more than an "on" run can delete at any pacing measured.
const BACKLOG = Number(process.env.OCN_BENCH_RETENTION_JOBS ?? 3000);
const CYCLE_JOBS = 2000;
const ITEMS_PER_JOB = 500;
const CYCLES = Number(process.env.OCN_BENCH_RETENTION_CYCLES ?? 3);
const TABLES = ['jobs', 'job_items', 'idempotency_keys', 'number_status_history'] as const;
type Arm = string;

/** The "on" arms: one per variant of OCN_BENCH_RETENTION_ON_ENV, named by its settings. */
const onVariants = (): { arm: Arm; env: Record<string, string> }[] =>
  (process.env.OCN_BENCH_RETENTION_ON_ENV ?? '').split(';').map((variant) => {
    const env = Object.fromEntries(
      variant
        .split(',')
        .filter((kv) => kv.includes('='))
        .map((kv) => [kv.slice(0, kv.indexOf('=')).trim(), kv.slice(kv.indexOf('=') + 1).trim()]),
    );
    const settings = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    return { arm: settings.length ? `on (${settings.join(' ')})` : 'on', env };
  });

interface NumberBlock {
  ids: string[];
  e164s: string[];
}

type Sizes = Record<(typeof TABLES)[number], number>;

interface ArmRun extends AdmittedLoadResult {
  arm: Arm;
  round: number;
  /** 1-minute load average when the run ended. */
  loadAverage: number;
  /** Old jobs retention deleted during the run (0 when off) and per second of load. */
  oldJobsDeleted: number;
  deletedPerSec: number;
}

interface ArmSummary {
  arm: Arm;
  /** Over every request of the arm's runs, pooled. */
  latencyMs: Latency;
  numbersPerSec: number;
  /** Per 100 ms sample: active backends by role and wait (bench/pg-waits.ts). */
  waitsPerSample: WaitCounts;
}

export interface RetentionResult {
  rounds: number;
  loadSeconds: number;
  backlogJobs: number;
  ledgerRowsPerJob: number;
  onVariants: { arm: Arm; env: Record<string, string> }[];
  /** Each run's figures; latencyMs and latenciesMs without the warm-up's requests. */
  runs: ArmRun[];
  arms: ArmSummary[];
  /** Per arm but "off A", per round, over the round's "off A": "off B" is the A/A control. */
  ratios: Record<Arm, { p50: number[]; p95: number[]; p99: number[]; numbersPerSec: number[] }>;
  /** Retention alone, in-process: ended jobs and ledger rows deleted per second. */
  deletedJobsPerSec: number;
  deletedLedgerRowsPerSec: number;
  /** Retention alone: one batch's time (ms), median and slowest. */
  batchMs: { p50: number; max: number };
  /** Total relation sizes (MB) after seeding and after each delete + VACUUM cycle. */
  sizesMb: { at: string; sizes: Sizes }[];
}

/**
 * `jobs` completed two days ago and more, ITEMS_PER_JOB ledger rows each (one in four a
 * status change), over a block of real numbers (retention copies the changes into their
 * history, whose reference to the number is checked), and a key each.
 */
async function seedOldJobs(ctx: BenchContext, count: number, numbers: NumberBlock) {
  const { sql } = ctx.db;
  const { operatorId, apiKeyId } = ctx.tenant;
  await sql.begin(async (tx) => {
    // The ledger's reference checks are statement triggers; off while seeding, as in the
    // scale part's seed (the numbers and jobs referenced exist).
    await tx`set local session_replication_role = replica`;
    const jobs = await tx<{ id: string }[]>`
      insert into jobs (id, operator_id, api_key_id, operation, state, telephone_numbers,
                        requested_count, processed_count, success_count, created_at,
                        started_at, finished_at)
      select gen_random_uuid(), ${operatorId}, ${apiKeyId}, 'ready-for-removal', 'completed', '{}',
             ${ITEMS_PER_JOB}, ${ITEMS_PER_JOB}, ${ITEMS_PER_JOB / 4}, t, t, t
      from generate_series(1, ${count}::int) g,
           lateral (select now() - interval '2 days' - g * interval '1 second' as t) x
      returning id`;
    const ids = jobs.map((j) => j.id);
    await tx`
      insert into job_items (job_id, position, telephone_number, number_id, outcome,
                             current_status, processed_at)
      select j.id, p, n.e164s[p + 1], n.ids[p + 1],
             case when p % 4 = 0 then 'SUCCEEDED' else 'INVALID_STATUS' end::item_outcome,
             case when p % 4 = 0 then null else 'Active' end::number_status,
             now() - interval '2 days'
      from unnest(${ids}::uuid[]) j(id), generate_series(0, ${ITEMS_PER_JOB - 1}) p,
           (select ${numbers.ids}::bigint[] as ids, ${numbers.e164s}::text[] as e164s) n`;
    await tx`
      insert into idempotency_keys (operator_id, key, request_hash, job_id, created_at)
      select ${operatorId}, id::text, 'bench', id, now() - interval '2 days'
      from unnest(${ids}::uuid[]) j(id)`;
  });
}

async function sizesMb(sql: Sql): Promise<Sizes> {
  const sizes = {} as Sizes;
  for (const table of TABLES) {
    const [row] = await sql<{ bytes: string }[]>`select pg_total_relation_size(${table}) as bytes`;
    sizes[table] = Math.round(Number(row?.bytes ?? 0) / 1e5) / 10;
  }
  return sizes;
}

const oldJobsLeft = async (sql: Sql) =>
  Number(
    (
      await sql<{ n: number }[]>`
      select count(*)::int as n from jobs where finished_at < now() - interval '1 day'`
    )[0]?.n,
  );

export async function benchRetention(ctx: BenchContext): Promise<RetentionResult> {
  const { sql } = ctx.db;
  const quick = ctx.sizes.runs <= 2;
  const rounds = quick ? 1 : ROUNDS;
  const loadSeconds = quick ? ctx.sizes.loadSeconds : LOAD_SECONDS;
  const backlog = quick ? 300 : BACKLOG;
  const block = await seedMarkedNumbers(sql, ctx.numbers, ctx.tenant, ITEMS_PER_JOB);
  const rows = await sql<{ id: string; e164: string }[]>`
    select id, e164 from telephone_numbers where e164 = any(${block}) order by e164`;
  const numbers = { ids: rows.map((r) => r.id), e164s: rows.map((r) => r.e164) };
  const variants = onVariants();
  const arms: Arm[] = ['off A', 'off B', ...variants.map((v) => v.arm)];
  const result: RetentionResult = {
    rounds,
    loadSeconds,
    backlogJobs: backlog,
    ledgerRowsPerJob: ITEMS_PER_JOB,
    onVariants: variants,
    runs: [],
    arms: [],
    ratios: Object.fromEntries(
      arms.slice(1).map((arm) => [arm, { p50: [], p95: [], p99: [], numbersPerSec: [] }]),
    ),
    deletedJobsPerSec: 0,
    deletedLedgerRowsPerSec: 0,
    batchMs: { p50: 0, max: 0 },
    sizesMb: [],
  };
  const latencies = new Map(arms.map((arm) => [arm, [] as number[]]));
  const waits = new Map(arms.map((arm) => [arm, { samples: 0, counts: {} as WaitCounts }]));
  const runArm = async (arm: Arm, round: number): Promise<ArmRun> => {
    const before = await oldJobsLeft(sql);
    ctx.log(`round ${round + 1}/${rounds}: admitted load, retention ${arm}`);
    const variant = variants.find((v) => v.arm === arm);
    const sampler = sampleWaits(sql);
    const r = await benchAdmittedLoad(ctx, {
      name: `ret-${arms.indexOf(arm)}-${round}`,
      loadSeconds,
      keepLatencies: true,
      env: variant
        ? { JOB_RETENTION_DAYS: '1', MAINTENANCE_INTERVAL_MS: '1000', ...variant.env }
        : {},
    });
    const w = await sampler.stop();
    const armWaits = waits.get(arm) ?? { samples: 0, counts: {} };
    armWaits.samples += w.samples;
    addCounts(armWaits.counts, w.counts);
    const deleted = before - (await oldJobsLeft(sql));
    // The first requests meet a cold service (its first connections, code not yet compiled):
    // the slowest request of a run was often the first, in every arm. They are left out.
    const warm = (r.latenciesMs ?? []).slice(
      Math.ceil((WARMUP_SECONDS * r.requestsPerMinute) / 60),
    );
    latencies.get(arm)?.push(...warm);
    const run = {
      ...r,
      latencyMs: latency(warm),
      latenciesMs: warm.map((x) => Math.round(x * 10) / 10),
      arm,
      round,
      loadAverage: loadavg()[0] ?? Number.NaN,
      oldJobsDeleted: deleted,
      deletedPerSec: deleted / r.seconds,
    };
    result.runs.push(run);
    return run;
  };
  for (let round = 0; round < rounds; round++) {
    // Top the backlog up at the start of the round, whichever arm comes first.
    const left = await oldJobsLeft(sql);
    if (left < backlog) {
      await seedOldJobs(ctx, backlog - left, numbers);
      await sql`vacuum analyze jobs, job_items, idempotency_keys`;
    }
    const order = arms.map((_, i) => arms[(i + round) % arms.length] as Arm);
    const byArm = new Map<Arm, ArmRun>();
    for (const arm of order) byArm.set(arm, await runArm(arm, round));
    const a = byArm.get('off A') as ArmRun;
    for (const arm of arms.slice(1)) {
      const other = byArm.get(arm) as ArmRun;
      const ratios = result.ratios[arm] as RetentionResult['ratios'][Arm];
      ratios.p50.push(other.latencyMs.p50 / a.latencyMs.p50);
      ratios.p95.push(other.latencyMs.p95 / a.latencyMs.p95);
      ratios.p99.push(other.latencyMs.p99 / a.latencyMs.p99);
      ratios.numbersPerSec.push(other.numbersPerSec / a.numbersPerSec);
    }
  }
  for (const arm of arms) {
    const runs = result.runs.filter((r) => r.arm === arm);
    const armWaits = waits.get(arm) ?? { samples: 0, counts: {} };
    const perSample: WaitCounts = {};
    for (const [k, v] of Object.entries(armWaits.counts)) {
      perSample[k] = Math.round((v / Math.max(1, armWaits.samples)) * 1000) / 1000;
    }
    result.arms.push({
      arm,
      latencyMs: latency(latencies.get(arm) ?? []),
      numbersPerSec: runs.reduce((s, r) => s + r.numbersPerSec, 0) / runs.length,
      waitsPerSample: perSample,
    });
  }
  if (CYCLES > 0) await measureBloat(ctx, result, Math.min(backlog, CYCLE_JOBS), numbers);
  printTable(result);
  return result;
}

/** Cycles of seed → delete everything old (in-process, the task's own batches) → VACUUM. */
async function measureBloat(
  ctx: BenchContext,
  result: RetentionResult,
  jobs: number,
  numbers: NumberBlock,
) {
  const { sql } = ctx.db;
  // The task's own batch size (RETENTION_BATCH_JOBS, as configured for the bench).
  const batchJobs = ctx.config.retention.batchJobs;
  await deleteAllOld(sql, batchJobs); // what the "on" runs left
  await sql`vacuum jobs, job_items, idempotency_keys, number_status_history`;
  result.sizesMb.push({ at: 'before the cycles', sizes: await sizesMb(sql) });
  let seconds = 0;
  let deleted = 0;
  const batchMs: number[] = [];
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    await seedOldJobs(ctx, jobs, numbers);
    if (cycle === 1) result.sizesMb.push({ at: 'old jobs seeded', sizes: await sizesMb(sql) });
    const started = performance.now();
    deleted += await deleteAllOld(sql, batchJobs, batchMs);
    seconds += (performance.now() - started) / 1000;
    await sql`vacuum jobs, job_items, idempotency_keys, number_status_history`;
    result.sizesMb.push({ at: `cycle ${cycle}: deleted, vacuumed`, sizes: await sizesMb(sql) });
  }
  result.deletedJobsPerSec = Math.round(deleted / seconds);
  result.deletedLedgerRowsPerSec = Math.round((deleted * ITEMS_PER_JOB) / seconds);
  result.batchMs = { p50: percentile(batchMs, 50), max: Math.max(...batchMs) };
}

async function deleteAllOld(sql: Sql, batchJobs: number, batchMs: number[] = []): Promise<number> {
  let total = 0;
  for (;;) {
    const started = performance.now();
    const batch = await deleteEndedJobs(sql, 1, batchJobs);
    batchMs.push(performance.now() - started);
    total += batch.jobs;
    if (batch.jobs < batchJobs) return total;
  }
}

function printTable(r: RetentionResult) {
  const ms = (x: number) => x.toFixed(0);
  const list = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
  const range = (xs: number[]) =>
    `median ${percentile(xs, 50).toFixed(2)}, ${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
  const rows: Row[] = [
    {
      label: `admitted load, ${r.rounds} rounds of ${r.loadSeconds} s per arm; retention deleting a backlog of ${r.backlogJobs} old jobs`,
    },
    ...r.arms.map((a) => ({
      label: `${a.arm}: p50 / p95 / p99 ms (pooled), numbers/s`,
      value: `${ms(a.latencyMs.p50)} / ${ms(a.latencyMs.p95)} / ${ms(a.latencyMs.p99)}, ${a.numbersPerSec.toFixed(0)}`,
      note: `${a.latencyMs.samples} requests`,
    })),
    { label: 'per round, over the round\'s "off A" ("off B": the A/A control)' },
    ...(['p50', 'p95', 'p99', 'numbersPerSec'] as const).flatMap((k) =>
      Object.entries(r.ratios).map(([arm, ratios]) => ({
        label: `${arm} / off A, ${k}`,
        value: list(ratios[k]),
        note: range(ratios[k]),
      })),
    ),
    ...r.onVariants.map((v) => ({
      label: `old jobs deleted per s during each "${v.arm}" run`,
      value: r.runs
        .filter((x) => x.arm === v.arm)
        .map((x) => x.deletedPerSec.toFixed(1))
        .join(', '),
    })),
    {
      label: 'load average at the end of each run',
      value: r.runs.map((x) => `${x.arm.slice(0, 5).trim()}:${x.loadAverage.toFixed(1)}`).join(' '),
    },
    { label: 'active backends per 100 ms sample (role: wait), top entries per arm' },
    ...r.arms.map((a) => ({
      label: a.arm,
      value: '',
      note: Object.entries(a.waitsPerSample)
        .sort((x, y) => y[1] - x[1])
        .slice(0, 8)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join('; '),
    })),
    {
      label: 'retention alone: jobs / ledger rows deleted per s; batch ms p50 / max',
      value: `${r.deletedJobsPerSec} / ${r.deletedLedgerRowsPerSec}; ${r.batchMs.p50.toFixed(1)} / ${r.batchMs.max.toFixed(1)}`,
    },
    { label: `total sizes, MB (${TABLES.join(', ')})` },
    ...r.sizesMb.map((s) => ({ label: s.at, value: TABLES.map((t) => s.sizes[t]).join(' / ') })),
  ];
  process.stdout.write(`${formatTable(rows)}\n`);
}
