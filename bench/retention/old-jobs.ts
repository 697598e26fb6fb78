import type { Sql } from '../../src/db/client.ts';
import { deleteEndedJobs } from '../../src/jobs/retention.ts';
import type { BenchContext } from '../context.ts';
import { seedMarkedNumbers } from '../seed.ts';

// The retention part's material: a backlog of jobs ended long ago, over one block of real
// numbers, and the task's own delete run until nothing old is left.

export const ITEMS_PER_JOB = 500;

/** The numbers every old job's ledger names, position by position. */
export interface NumberBlock {
  ids: string[];
  e164s: string[];
}

/** ITEMS_PER_JOB marked numbers of the bench's tenant, with their ids, in e164 order. */
export async function seedNumberBlock(ctx: BenchContext): Promise<NumberBlock> {
  const { sql } = ctx.db;
  const block = await seedMarkedNumbers(sql, ctx.numbers, ctx.tenant, ITEMS_PER_JOB);
  const rows = await sql<{ id: string; e164: string }[]>`
    select id, e164 from telephone_numbers where e164 = any(${block}) order by e164`;
  return { ids: rows.map((r) => r.id), e164s: rows.map((r) => r.e164) };
}

/**
 * `jobs` completed two days ago and more, ITEMS_PER_JOB ledger rows each (one in four a
 * status change), over a block of real numbers (retention copies the changes into their
 * history, whose reference to the number is checked), and a key each.
 */
export async function seedOldJobs(ctx: BenchContext, count: number, numbers: NumberBlock) {
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

/** Jobs that ended over a day ago: what retention with JOB_RETENTION_DAYS=1 deletes. */
export const oldJobsLeft = async (sql: Sql) =>
  Number(
    (
      await sql<{ n: number }[]>`
      select count(*)::int as n from jobs where finished_at < now() - interval '1 day'`
    )[0]?.n,
  );

/** The task's batches, in-process, until a batch is short; each batch's ms into `batchMs`. */
export async function deleteAllOld(
  sql: Sql,
  batchJobs: number,
  batchMs: number[] = [],
): Promise<number> {
  let total = 0;
  for (;;) {
    const started = performance.now();
    const batch = await deleteEndedJobs(sql, 1, batchJobs);
    batchMs.push(performance.now() - started);
    total += batch.jobs;
    if (batch.jobs < batchJobs) return total;
  }
}
