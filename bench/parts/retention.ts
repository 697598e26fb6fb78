import type { BenchContext } from '../context.ts';
import { type BloatResult, measureBloat, NO_BLOAT } from '../retention/bloat.ts';
import { seedNumberBlock } from '../retention/old-jobs.ts';
import { printRetention } from '../retention/report.ts';
import { measureRounds, type RoundsResult } from '../retention/rounds.ts';

// `npm run bench -- --parts retention` (never in the default run; docs/performance.md, "Retention"):
// (a) what retention costs the admitted load, decidable above the bench's own noise: rounds of
//     three services, each offered the whole global budget for LOAD_SECONDS — retention off
//     twice (A and B: the A/A control, the same configuration measured twice) and on, deleting
//     a backlog of old jobs meanwhile (JOB_RETENTION_DAYS=1, the task starting within a
//     second) — in an order rotated every round, so no arm always comes first or last. Per
//     round, on/A and B/A share their denominator: if retention costs nothing, the two ratios
//     are draws from the same spread. pg_stat_activity is sampled meanwhile (bench/pg-waits.ts)
//     to show what the backends wait on with retention on and off. (bench/retention/rounds.ts)
// (b) what it leaves behind: cycles of "a backlog of old jobs arrives, retention deletes it,
//     a plain VACUUM (what autovacuum does) runs", with the tables' sizes after each cycle.
//     Space reused shows as sizes that stop growing after the first cycle.
//     (bench/retention/bloat.ts)
// OCN_BENCH_RETENTION_ON_ENV="K=V,K=V;K=V" gives settings to the "on" service: each variant
// (`;`-separated) is an arm of its own, measured in the same rounds (pacings side by side).
// OCN_BENCH_RETENTION_CYCLES=0 leaves out (b).

const ROUNDS = Number(process.env.OCN_BENCH_RETENTION_ROUNDS ?? 6);
const LOAD_SECONDS = Number(process.env.OCN_BENCH_RETENTION_LOAD_S ?? 25);
// The backlog kept before each round: more than an "on" run can delete at any pacing measured.
const BACKLOG = Number(process.env.OCN_BENCH_RETENTION_JOBS ?? 3000);
const CYCLE_JOBS = 2000;
const CYCLES = Number(process.env.OCN_BENCH_RETENTION_CYCLES ?? 3);

export type RetentionResult = RoundsResult & BloatResult;

export async function benchRetention(ctx: BenchContext): Promise<RetentionResult> {
  const quick = ctx.sizes.runs <= 2;
  const backlog = quick ? 300 : BACKLOG;
  const numbers = await seedNumberBlock(ctx);
  const rounds = await measureRounds(ctx, {
    rounds: quick ? 1 : ROUNDS,
    loadSeconds: quick ? ctx.sizes.loadSeconds : LOAD_SECONDS,
    backlog,
    numbers,
  });
  const bloat =
    CYCLES > 0
      ? await measureBloat(ctx, { jobs: Math.min(backlog, CYCLE_JOBS), cycles: CYCLES, numbers })
      : NO_BLOAT;
  const result = { ...rounds, ...bloat };
  printRetention(result);
  return result;
}
