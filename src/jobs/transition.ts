import type { Sql } from '../db/client.ts';
import type { Operation } from '../domain/operations.ts';
import type { ItemOutcome } from '../domain/statuses.ts';
import { numberOutcome } from './number-rule.ts';

// An operation's status transition, set-based: one statement
// decides, applies and records the next chunk of a job's numbers. It must run inside the
// chunk's transaction right after the statement that locked the jobs row (that lock serialises
// deliveries of the same job and cancels; in READ COMMITTED this statement's snapshot is taken
// after the lock was granted, so it sees the job's latest counters and ledger).

export interface ChunkOutcome {
  /** Numbers recorded by this chunk, and how many of them moved. */
  processed: number;
  succeeded: number;
  byOutcome: Record<ItemOutcome, number>;
  /** The job's counters after this chunk. */
  processedCount: number;
  successCount: number;
}

interface ChunkRow {
  processed: number;
  succeeded: number;
  not_found: number;
  not_oc: number;
  invalid_status: number;
  processed_count: number;
  success_count: number;
}

/**
 * Processes the next `size` positions of the job's request after its `processed_count`
 * (positions are 0-based) and records them. Does nothing and returns undefined unless the job
 * is queued or active; a queued job becomes active (`started_at` set once).
 *
 * - The numbers come straight from `jobs.telephone_numbers`, so nothing large crosses the wire,
 *   and the statement needs nothing from the caller but the job id and its operation (whose
 *   values are parameters, so every operation shares one prepared statement): it can be
 *   pipelined. A job of another operation is left alone, like an ended one.
 * - Only the job operator's numbers are looked at; another operator's number is treated exactly
 *   like an unknown one (NUMBER_NOT_FOUND, untouched, not even locked).
 * - Rows are locked in id order, so jobs racing over overlapping numbers queue up instead of
 *   deadlocking. In READ COMMITTED a row locked after a wait is re-read at its newest version,
 *   so the loser of a race sees the winner's new status and records INVALID_STATUS. All later CTEs see
 *   one snapshot, which is why every outcome is computed once, from the locked rows.
 * - The ledger insert has no ON CONFLICT on purpose: a position recorded twice aborts the chunk.
 * - The ledger is also the numbers' history of the change: a SUCCEEDED row is the move
 *   (numbers/status-changes.ts), so nothing else is written per number.
 */
export async function transitionChunk(
  sql: Sql,
  job: { jobId: string; size: number; operation: Operation },
): Promise<ChunkOutcome | undefined> {
  const op = job.operation;
  // The name opens the text: a traced chunk's span is named after it (telemetry/postgres-spans.ts).
  const rows = await sql<ChunkRow[]>`
    /* ocn: chunk statement */
    with job as materialized (
      select id, operator_id, processed_count as start,
             telephone_numbers[processed_count + 1 : processed_count + ${job.size}::int] as slice
      from jobs
      where id = ${job.jobId}::uuid and operation = ${op.name} and state in ('queued', 'active')
    ),
    input as (
      select (job.start + u.ord - 1)::int as position, u.e164
      from job, unnest(job.slice) with ordinality as u(e164, ord)
    ),
    locked as materialized (
      select n.id, n.e164, n.status, n.customer_id
      from telephone_numbers n
      join input on input.e164 = n.e164
      where n.operator_id = (select operator_id from job)
      order by n.id
      for no key update of n
    ),
    decided as materialized (
      select input.position, input.e164, n.id as number_id, n.status,
        ${numberOutcome(sql, op)} as outcome
      from input
      left join locked n on n.e164 = input.e164
      left join customers c on c.id = n.customer_id
    ),
    moved as (
      update telephone_numbers n
      set status = ${op.toStatus}::number_status, assignable = ${op.assignable}::boolean,
          confirmed_for_removal_at = case when ${op.confirmsRemoval}::boolean then now() end,
          updated_at = now()
      from decided d
      where n.id = d.number_id and d.outcome = 'SUCCEEDED'
      returning n.id
    ),
    ledger as (
      insert into job_items (job_id, position, telephone_number, number_id, outcome, current_status)
      select job.id, d.position, d.e164, d.number_id, d.outcome,
             case when d.outcome = 'INVALID_STATUS' then d.status end
      from decided d, job
      returning outcome
    ),
    tally as (
      select count(*)::int as processed,
        (count(*) filter (where outcome = 'SUCCEEDED'))::int as succeeded,
        (count(*) filter (where outcome = 'NUMBER_NOT_FOUND'))::int as not_found,
        (count(*) filter (where outcome = 'NOT_OPERATOR_CONNECT_CUSTOMER'))::int as not_oc,
        (count(*) filter (where outcome = 'INVALID_STATUS'))::int as invalid_status
      from ledger
    ),
    counters as (
      update jobs set processed_count = jobs.processed_count + tally.processed,
                      success_count = jobs.success_count + tally.succeeded,
                      state = 'active', started_at = coalesce(jobs.started_at, now())
      from tally, job where jobs.id = job.id
      returning jobs.processed_count, jobs.success_count
    )
    select tally.*, counters.processed_count, counters.success_count from tally, counters`;
  const row = rows[0];
  if (!row) return undefined;
  return {
    processed: row.processed,
    succeeded: row.succeeded,
    byOutcome: {
      SUCCEEDED: row.succeeded,
      NUMBER_NOT_FOUND: row.not_found,
      NOT_OPERATOR_CONNECT_CUSTOMER: row.not_oc,
      INVALID_STATUS: row.invalid_status,
    },
    processedCount: row.processed_count,
    successCount: row.success_count,
  };
}
