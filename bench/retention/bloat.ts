import type { Sql } from '../../src/db/client.ts';
import type { BenchContext } from '../context.ts';
import { percentile } from '../stats.ts';
import { deleteAllOld, ITEMS_PER_JOB, type NumberBlock, seedOldJobs } from './old-jobs.ts';

// (b) of the retention part: what retention leaves behind, and how fast it deletes alone.

export const TABLES = ['jobs', 'job_items', 'idempotency_keys', 'number_status_history'] as const;
export type Sizes = Record<(typeof TABLES)[number], number>;

export interface BloatResult {
  /** Retention alone, in-process: ended jobs and ledger rows deleted per second. */
  deletedJobsPerSec: number;
  deletedLedgerRowsPerSec: number;
  /** Retention alone: one batch's time (ms), median and slowest. */
  batchMs: { p50: number; max: number };
  /** Total relation sizes (MB) after seeding and after each delete + VACUUM cycle. */
  sizesMb: { at: string; sizes: Sizes }[];
}

/** What a run without cycles reports (OCN_BENCH_RETENTION_CYCLES=0). */
export const NO_BLOAT: BloatResult = {
  deletedJobsPerSec: 0,
  deletedLedgerRowsPerSec: 0,
  batchMs: { p50: 0, max: 0 },
  sizesMb: [],
};

async function sizesMb(sql: Sql): Promise<Sizes> {
  const sizes = {} as Sizes;
  for (const table of TABLES) {
    const [row] = await sql<{ bytes: string }[]>`select pg_total_relation_size(${table}) as bytes`;
    sizes[table] = Math.round(Number(row?.bytes ?? 0) / 1e5) / 10;
  }
  return sizes;
}

/** `cycles` of seed `jobs` old jobs → delete everything old (the task's own batches) → VACUUM. */
export async function measureBloat(
  ctx: BenchContext,
  run: { jobs: number; cycles: number; numbers: NumberBlock },
): Promise<BloatResult> {
  const { sql } = ctx.db;
  // The task's own batch size (RETENTION_BATCH_JOBS, as configured for the bench).
  const batchJobs = ctx.config.retention.batchJobs;
  const sizes: BloatResult['sizesMb'] = [];
  await deleteAllOld(sql, batchJobs); // what the "on" runs left
  await sql`vacuum jobs, job_items, idempotency_keys, number_status_history`;
  sizes.push({ at: 'before the cycles', sizes: await sizesMb(sql) });
  let seconds = 0;
  let deleted = 0;
  const batchMs: number[] = [];
  for (let cycle = 1; cycle <= run.cycles; cycle++) {
    await seedOldJobs(ctx, run.jobs, run.numbers);
    if (cycle === 1) sizes.push({ at: 'old jobs seeded', sizes: await sizesMb(sql) });
    const started = performance.now();
    deleted += await deleteAllOld(sql, batchJobs, batchMs);
    seconds += (performance.now() - started) / 1000;
    await sql`vacuum jobs, job_items, idempotency_keys, number_status_history`;
    sizes.push({ at: `cycle ${cycle}: deleted, vacuumed`, sizes: await sizesMb(sql) });
  }
  return {
    deletedJobsPerSec: Math.round(deleted / seconds),
    deletedLedgerRowsPerSec: Math.round((deleted * ITEMS_PER_JOB) / seconds),
    batchMs: { p50: percentile(batchMs, 50), max: Math.max(...batchMs) },
    sizesMb: sizes,
  };
}
