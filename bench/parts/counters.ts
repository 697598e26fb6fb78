import { READY_FOR_REMOVAL } from '../../src/domain/operations.ts';
import { runJob } from '../../src/jobs/run.ts';
import type { BenchContext } from '../context.ts';
import { insertJobs, seedMarkedNumbers } from '../seed.ts';
import { type Latency, latency, percentile } from '../stats.ts';
import { formatTable, type Row } from '../table.ts';

// `npm run bench -- --parts counters` (never in the default run; docs/performance.md,
// "Exact counters"): what the per-(operator, customer, status) counters cost the worker when
// several jobs run at once — as many as a worker runs (WORKER_CONCURRENCY, 4 by default;
// OCN_BENCH_COUNTERS_JOBS overrides). The counters (drizzle/0005_number_counts.sql) are updated
// by statement triggers in every chunk's transaction; chunks of the same customer update the
// same counter rows, so each waits for the one before to commit, while different customers'
// chunks touch different rows. Three scenarios in rounds, the order rotated each round:
//   same customer      — every job of one customer, in flight together;
//   a customer each    — one job each of as many customers of the operator;
//   no counters        — as "same customer" with the counter triggers disabled (a reference:
//                        what the worker would do without them; the counts are rebuilt after).

const ROUNDS = Number(process.env.OCN_BENCH_COUNTERS_ROUNDS ?? 7);
const JOB_NUMBERS = Number(process.env.OCN_BENCH_COUNTERS_JOB_NUMBERS ?? 25_000);
const SCENARIOS = ['same customer', 'a customer each', 'no counters'] as const;
type Scenario = (typeof SCENARIOS)[number];

export interface CountersResult {
  rounds: number;
  /** Jobs in flight together in every scenario. */
  jobs: number;
  jobNumbers: number;
  chunkSize: number;
  scenarios: {
    scenario: Scenario;
    /** numbers/s of the jobs together, one per round. */
    numbersPerSec: number[];
    /** Every chunk transaction's time, pooled over the rounds. */
    chunkMs: Latency;
    /** Lock waits seen (ungranted pg_locks of the bench database, sampled every 20 ms). */
    lockWaitSamples: number;
    samples: number;
  }[];
}

export async function benchCounters(ctx: BenchContext): Promise<CountersResult> {
  const { sql } = ctx.db;
  const quick = ctx.sizes.runs <= 2;
  const rounds = quick ? 1 : ROUNDS;
  const jobNumbers = quick ? 1000 : JOB_NUMBERS;
  const chunkSize = ctx.config.worker.chunkSize;
  const jobs = Number(process.env.OCN_BENCH_COUNTERS_JOBS ?? ctx.config.worker.concurrency);
  const others = await sql<{ id: string }[]>`
    insert into customers (operator_id, ms_tenant_id, operator_connect)
    select ${ctx.tenant.operatorId}, gen_random_uuid(), true from generate_series(2, ${jobs})
    returning id`;
  const customers = [ctx.tenant.customerId, ...others.map((c) => c.id)];
  const chunks: Record<Scenario, number[]> = {
    'same customer': [],
    'a customer each': [],
    'no counters': [],
  };
  const perSec: Record<Scenario, number[]> = {
    'same customer': [],
    'a customer each': [],
    'no counters': [],
  };
  const lockWaits: Record<Scenario, number> = {
    'same customer': 0,
    'a customer each': 0,
    'no counters': 0,
  };
  const samples: Record<Scenario, number> = {
    'same customer': 0,
    'a customer each': 0,
    'no counters': 0,
  };
  const observer = (scenario: Scenario) => ({
    chunkCommitted: (_op: unknown, _outcomes: unknown, ms: number) => {
      chunks[scenario].push(ms);
    },
    jobEnded: () => {},
  });
  const runScenario = async (scenario: Scenario) => {
    const owners = scenario === 'a customer each' ? customers : customers.map(() => customers[0]);
    const lists = [];
    for (const customerId of owners) {
      lists.push(
        await seedMarkedNumbers(
          sql,
          ctx.numbers,
          { operatorId: ctx.tenant.operatorId, customerId: customerId as string },
          jobNumbers,
        ),
      );
    }
    const ids = await insertJobs(sql, ctx.tenant, lists, 'queued');
    await sql`vacuum analyze telephone_numbers, number_counts`;
    if (scenario === 'no counters') {
      await sql`alter table telephone_numbers disable trigger number_counts_update`;
    }
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [row] = await sql<{ n: number }[]>`
          select count(*)::int as n from pg_locks l join pg_stat_activity a using (pid)
          where not l.granted and a.datname = current_database()`;
        lockWaits[scenario] += row?.n ?? 0;
        samples[scenario] += 1;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      const started = performance.now();
      await Promise.all(
        ids.map((jobId) =>
          runJob(
            ctx.db.db,
            { jobId, operation: READY_FOR_REMOVAL },
            { chunkSize, observer: observer(scenario) },
          ),
        ),
      );
      perSec[scenario].push((jobs * jobNumbers) / ((performance.now() - started) / 1000));
      const [moved] = await sql<{ n: number }[]>`
        select count(*)::int as n from job_items
        where job_id = any(${ids}::uuid[]) and outcome = 'SUCCEEDED'`;
      if (moved?.n !== jobs * jobNumbers) {
        throw new Error(`${scenario}: ${moved?.n} of ${jobs * jobNumbers} numbers moved`);
      }
    } finally {
      sampling = false;
      await sampler;
      if (scenario === 'no counters') {
        await sql`alter table telephone_numbers enable trigger number_counts_update`;
        // The counts the disabled trigger missed: rebuilt for the operator.
        await sql.begin(async (tx) => {
          await tx`delete from number_counts where operator_id = ${ctx.tenant.operatorId}`;
          await tx`
            insert into number_counts (operator_id, customer_id, status, count)
            select operator_id, coalesce(customer_id, '00000000-0000-0000-0000-000000000000'),
                   status, count(*)
            from telephone_numbers where operator_id = ${ctx.tenant.operatorId}
            group by 1, 2, 3`;
        });
      }
    }
  };
  await runScenario('same customer'); // warm-up, not counted
  for (const s of SCENARIOS) {
    chunks[s] = [];
    perSec[s] = [];
    lockWaits[s] = 0;
    samples[s] = 0;
  }
  for (let round = 0; round < rounds; round++) {
    const order = SCENARIOS.map((_, i) => SCENARIOS[(i + round) % SCENARIOS.length] as Scenario);
    for (const scenario of order) {
      await runScenario(scenario);
      ctx.log(
        `round ${round + 1}/${rounds} ${scenario}: ${Math.round(perSec[scenario].at(-1) ?? 0)} numbers/s`,
      );
    }
  }
  const result: CountersResult = {
    rounds,
    jobs,
    jobNumbers,
    chunkSize,
    scenarios: SCENARIOS.map((scenario) => ({
      scenario,
      numbersPerSec: perSec[scenario],
      chunkMs: latency(chunks[scenario]),
      lockWaitSamples: lockWaits[scenario],
      samples: samples[scenario],
    })),
  };
  printTable(result);
  return result;
}

function printTable(r: CountersResult) {
  const rows: Row[] = [
    {
      label: `${r.jobs} jobs of ${r.jobNumbers} numbers at once, chunks of ${r.chunkSize}, ${r.rounds} rounds`,
    },
    ...r.scenarios.flatMap((s) => [
      {
        label: `${s.scenario}: numbers/s (median; per round)`,
        value: percentile(s.numbersPerSec, 50).toFixed(0),
        note: s.numbersPerSec.map((x) => x.toFixed(0)).join(', '),
      },
      {
        label: `${s.scenario}: chunk ms p50 / p95 / p99`,
        value: `${s.chunkMs.p50.toFixed(1)} / ${s.chunkMs.p95.toFixed(1)} / ${s.chunkMs.p99.toFixed(1)}`,
        note: `${s.chunkMs.samples} chunks; ${s.lockWaitSamples} lock waits in ${s.samples} samples`,
      },
    ]),
  ];
  process.stdout.write(`${formatTable(rows)}\n`);
}
