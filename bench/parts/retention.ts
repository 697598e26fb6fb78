import type { Sql } from '../../src/db/client.ts';
import { deleteEndedJobs } from '../../src/jobs/retention.ts';
import type { BenchContext } from '../context.ts';
import { seedMarkedNumbers } from '../seed.ts';
import { percentile } from '../stats.ts';
import { formatTable, type Row } from '../table.ts';
import { type AdmittedLoadResult, benchAdmittedLoad } from './admitted-load.ts';

// `npm run bench -- --parts retention` (never in the default run; docs/performance.md, "Retention"):
// (a) what retention costs the admitted load: the whole global budget offered with retention
//     off and with it deleting a backlog of old jobs meanwhile (JOB_RETENTION_DAYS=1, the
//     maintenance task starting within a second), in pairs (off/on, then on/off) so a machine
//     getting busier or quieter weighs on both alike;
// (b) what it leaves behind: cycles of "a backlog of old jobs arrives, retention deletes it,
//     a plain VACUUM (what autovacuum does) runs", with the tables' sizes after each cycle.
//     Space reused shows as sizes that stop growing after the first cycle.

// Enough old jobs that retention deletes for the whole load window (about 90 jobs/s here
// with its pauses), and fewer for the size cycles, which only need the space to be reused.
const JOBS = Number(process.env.OCN_BENCH_RETENTION_JOBS ?? 8000);
const CYCLE_JOBS = 3000;
const ITEMS_PER_JOB = 500;
const CYCLES = 3;
const TABLES = ['jobs', 'job_items', 'idempotency_keys', 'number_status_history'] as const;

interface NumberBlock {
  ids: string[];
  e164s: string[];
}

type Sizes = Record<(typeof TABLES)[number], number>;

export interface RetentionResult {
  oldJobs: number;
  ledgerRowsPerJob: number;
  off: AdmittedLoadResult[];
  on: (AdmittedLoadResult & { oldJobsDeleted: number })[];
  /** on / off per pair: p50, p99 and numbers/s. */
  p50Ratio: number[];
  p99Ratio: number[];
  throughputRatio: number[];
  /** Retention alone, in-process: ended jobs and ledger rows deleted per second. */
  deletedJobsPerSec: number;
  deletedLedgerRowsPerSec: number;
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
  const jobs = ctx.sizes.runs <= 2 ? Math.min(JOBS, 300) : JOBS;
  const block = await seedMarkedNumbers(sql, ctx.numbers, ctx.tenant, ITEMS_PER_JOB);
  const rows = await sql<{ id: string; e164: string }[]>`
    select id, e164 from telephone_numbers where e164 = any(${block}) order by e164`;
  const numbers = { ids: rows.map((r) => r.id), e164s: rows.map((r) => r.e164) };
  const result: RetentionResult = {
    oldJobs: jobs,
    ledgerRowsPerJob: ITEMS_PER_JOB,
    off: [],
    on: [],
    p50Ratio: [],
    p99Ratio: [],
    throughputRatio: [],
    deletedJobsPerSec: 0,
    deletedLedgerRowsPerSec: 0,
    sizesMb: [],
  };
  const runOff = async (i: number) => {
    ctx.log(`admitted load, retention off (${i})`);
    const r = await benchAdmittedLoad(ctx, { name: `ret-off${i}` });
    result.off.push(r);
    return r;
  };
  const runOn = async (i: number) => {
    await seedOldJobs(ctx, jobs, numbers);
    await sql`vacuum analyze jobs, job_items, idempotency_keys`;
    const oldBefore = await oldJobsLeft(sql);
    ctx.log(`admitted load, retention deleting ${oldBefore} old jobs meanwhile (${i})`);
    const r = await benchAdmittedLoad(ctx, {
      name: `ret-on${i}`,
      env: { JOB_RETENTION_DAYS: '1', MAINTENANCE_INTERVAL_MS: '1000' },
    });
    const entry = { ...r, oldJobsDeleted: oldBefore - (await oldJobsLeft(sql)) };
    result.on.push(entry);
    return entry;
  };
  for (let i = 0; i < 2; i++) {
    const first = i === 0 ? await runOff(i) : undefined;
    const on = await runOn(i);
    const off = first ?? (await runOff(i));
    result.p50Ratio.push(on.latencyMs.p50 / off.latencyMs.p50);
    result.p99Ratio.push(on.latencyMs.p99 / off.latencyMs.p99);
    result.throughputRatio.push(on.numbersPerSec / off.numbersPerSec);
  }
  await measureBloat(ctx, result, Math.min(jobs, CYCLE_JOBS), numbers);
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
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    await seedOldJobs(ctx, jobs, numbers);
    if (cycle === 1) result.sizesMb.push({ at: 'old jobs seeded', sizes: await sizesMb(sql) });
    const started = performance.now();
    deleted += await deleteAllOld(sql, batchJobs);
    seconds += (performance.now() - started) / 1000;
    await sql`vacuum jobs, job_items, idempotency_keys, number_status_history`;
    result.sizesMb.push({ at: `cycle ${cycle}: deleted, vacuumed`, sizes: await sizesMb(sql) });
  }
  result.deletedJobsPerSec = Math.round(deleted / seconds);
  result.deletedLedgerRowsPerSec = Math.round((deleted * ITEMS_PER_JOB) / seconds);
}

async function deleteAllOld(sql: Sql, batchJobs: number): Promise<number> {
  let total = 0;
  for (;;) {
    const batch = await deleteEndedJobs(sql, 1, batchJobs);
    total += batch.jobs;
    if (batch.jobs < batchJobs) return total;
  }
}

function printTable(r: RetentionResult) {
  const med = (values: number[]) => percentile(values, 50).toFixed(2);
  const rows: Row[] = [
    { label: `admitted load with retention deleting ${r.oldJobs} old jobs vs off` },
    {
      label: 'on / off, p50 latency (per pair)',
      value: r.p50Ratio.map((x) => x.toFixed(2)).join(', '),
      note: `median ${med(r.p50Ratio)}`,
    },
    {
      label: 'on / off, p99 latency (per pair)',
      value: r.p99Ratio.map((x) => x.toFixed(2)).join(', '),
      note: `median ${med(r.p99Ratio)}`,
    },
    {
      label: 'on / off, numbers/s (per pair)',
      value: r.throughputRatio.map((x) => x.toFixed(2)).join(', '),
      note: `median ${med(r.throughputRatio)}`,
    },
    {
      label: 'old jobs deleted during each "on" run',
      value: r.on.map((o) => o.oldJobsDeleted).join(', '),
    },
    {
      label: 'retention alone: jobs / ledger rows deleted per s',
      value: `${r.deletedJobsPerSec} / ${r.deletedLedgerRowsPerSec}`,
    },
    { label: `total sizes, MB (${TABLES.join(', ')})` },
    ...r.sizesMb.map((s) => ({ label: s.at, value: TABLES.map((t) => s.sizes[t]).join(' / ') })),
  ];
  process.stdout.write(`${formatTable(rows)}\n`);
}
