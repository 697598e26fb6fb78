import { READY_FOR_REMOVAL } from '../../src/domain/operations.ts';
import { runJob } from '../../src/jobs/run.ts';
import type { BenchContext } from '../context.ts';
import { type BenchDatabase, createSiblingDatabase } from '../database.ts';
import { seedTenant } from '../seed.ts';
import { type Measured, type Method, measureThroughput } from '../throughput.ts';

// What each lever on the worker's cost is worth, side by side in one run: the service's own
// runJob on databases that differ from the deployed schema by one change each (SQL applied
// after the migrations), or run with another chunk size. Every variant has its own database,
// seeded alike, and the runs interleave, so the machine's noise falls on all of them alike.
// docs/performance.md ("Levers") records what was kept and why.

export interface Lever {
  label: string;
  /** Run on a database with the migrations, then this. Omitted: the deployed schema. */
  sql?: string;
  /** Numbers per chunk; default WORKER_CHUNK_SIZE. */
  chunkSize?: number;
}

export interface LeversResult {
  variants: { label: string; chunkSize: number; sql?: string; measured: Measured }[];
}

const NO_LEDGER_CHECK = 'drop trigger job_items_references on job_items;';

// What the counters behind totalRecords and the summary cost a chunk (drizzle/0005).
const NO_NUMBER_COUNTS = `
  drop trigger number_counts_insert on telephone_numbers;
  drop trigger number_counts_update on telephone_numbers;
  drop trigger number_counts_delete on telephone_numbers;`;

const LEDGER_FOREIGN_KEYS = `
  drop trigger job_items_references on job_items;
  alter table job_items add constraint job_items_job_id_jobs_id_fk
    foreign key (job_id) references jobs (id) on delete cascade;
  alter table job_items add constraint job_items_number_id_telephone_numbers_id_fk
    foreign key (number_id) references telephone_numbers (id);`;

const OUTCOME_INDEX =
  'create index job_items_outcome_idx on job_items (job_id, outcome, position);';

// What the job path wrote before the ledger became the history: a history row per moved number,
// with its job id (a foreign key and an index), in the same statement. Emulated with a
// set-based trigger on the ledger insert.
const HISTORY_PER_MOVE = `
  alter table number_status_history add column job_id uuid references jobs (id);
  create index number_status_history_job_idx on number_status_history (job_id);
  create function bench_history_per_move() returns trigger language plpgsql as $$
  begin
    insert into number_status_history (number_id, job_id, from_status, to_status, actor)
    select number_id, job_id, 'MarkedForRemoval', 'ReadyForRemoval', 'bench'
    from new_items where outcome = 'SUCCEEDED';
    return null;
  end $$;
  create trigger bench_history_per_move after insert on job_items
    referencing new table as new_items
    for each statement execute function bench_history_per_move();`;

/** The levers measured by `npm run bench -- --parts levers`. */
export function levers(chunkSize: number, jobSize: number): Lever[] {
  const chunkSizes = [100, 250, jobSize].filter((size) => size !== chunkSize);
  return [
    { label: `as deployed (chunks of ${chunkSize})` },
    ...chunkSizes.map((size) => ({ label: `chunks of ${size}`, chunkSize: size })),
    { label: '− the number counters (before)', sql: NO_NUMBER_COUNTS },
    { label: 'ledger references: per-row foreign keys (before)', sql: LEDGER_FOREIGN_KEYS },
    { label: 'ledger references: not checked at all (a bound)', sql: NO_LEDGER_CHECK },
    { label: '+ the ledger index on (job, outcome, position) (before)', sql: OUTCOME_INDEX },
    { label: '+ a history row per move (before)', sql: HISTORY_PER_MOVE },
    {
      label: "− the number list's operator index (not done)",
      sql: 'drop index telephone_numbers_operator_e164_idx;',
    },
    {
      label: "− the number list's customer index (not done)",
      sql: 'drop index telephone_numbers_customer_idx;',
    },
    {
      label: 'numbers table with fillfactor 80 (not done)',
      sql: 'alter table telephone_numbers set (fillfactor = 80);',
    },
    {
      label: 'before: all three, chunks of 100',
      sql: [LEDGER_FOREIGN_KEYS, OUTCOME_INDEX, HISTORY_PER_MOVE].join('\n'),
      chunkSize: 100,
    },
  ].map((lever: Lever) => ({ ...lever, chunkSize: lever.chunkSize ?? chunkSize }));
}

/** Diagnosis: every lever's runJob throughput and CPU split, interleaved in one run. */
export async function benchLevers(ctx: BenchContext): Promise<LeversResult> {
  const { sizes } = ctx;
  const list = levers(ctx.config.worker.chunkSize, sizes.jobSize);
  const databases: BenchDatabase[] = [];
  try {
    const methods: Method[] = [];
    for (const [i, lever] of list.entries()) {
      const db = await createSiblingDatabase(ctx.db, ctx.config.databaseUrl, `lever${i}`);
      databases.push(db);
      if (lever.sql) await db.sql.unsafe(lever.sql);
      const chunkSize = lever.chunkSize ?? ctx.config.worker.chunkSize;
      methods.push({
        name: lever.label,
        jobsPerRun: sizes.jobsPerRun,
        jobSize: sizes.jobSize,
        concurrency: 1,
        jobState: 'queued',
        target: { db, tenant: await seedTenant(db.sql) },
        transition: (jobId) =>
          runJob(db.db, { jobId, operation: READY_FOR_REMOVAL }, { chunkSize }),
      });
    }
    const measured = await measureThroughput(ctx, methods, sizes.runs, { cpuSplit: true });
    return {
      variants: list.map((lever) => {
        const m = measured.get(lever.label);
        if (!m) throw new Error(`${lever.label} not measured`);
        return {
          label: lever.label,
          chunkSize: lever.chunkSize ?? ctx.config.worker.chunkSize,
          ...(lever.sql && { sql: lever.sql.replace(/\s+/g, ' ').trim() }),
          measured: m,
        };
      }),
    };
  } finally {
    for (const db of databases) await db.drop();
  }
}
