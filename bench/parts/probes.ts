import type { BenchContext } from '../context.ts';
import { spread } from '../stats.ts';

export interface ProbeResult {
  /** `select 1`: one client ↔ Postgres round trip. */
  roundTripMs: number;
  /** A one-row insert in its own transaction: mostly the WAL flush (fsync) of the commit. */
  commitMs: number;
}

/**
 * The two machine costs every figure here is built from. Write-heavy transactions cannot
 * commit faster than the disk flushes WAL, so `commitMs` bounds any one-job-at-a-time loop.
 */
export async function probeMachine(ctx: BenchContext): Promise<ProbeResult> {
  const sql = ctx.db.sql;
  await sql`create table if not exists bench_commit_probe (x int)`;
  const time = async (n: number, fn: (i: number) => Promise<unknown>) => {
    const samples: number[] = [];
    for (let i = 0; i < n; i += 1) {
      const started = performance.now();
      await fn(i);
      samples.push(performance.now() - started);
    }
    return spread(samples.slice(Math.floor(n / 10))).median; // first tenth: warm-up
  };
  const roundTripMs = await time(300, () => sql`select 1`);
  const commitMs = await time(200, (i) => sql`insert into bench_commit_probe values (${i})`);
  await sql`drop table bench_commit_probe`;
  ctx.log(`  round trip ${roundTripMs.toFixed(3)} ms, commit ${commitMs.toFixed(2)} ms`);
  return { roundTripMs, commitMs };
}
