import type { Sql } from '../db/client.ts';
import { OPERATIONS } from '../domain/operations.ts';

// Retention (docs/operations.md, "Retention"), run by the maintenance task on one worker at a
// time (workers/maintenance.ts). Everything is deleted in small transactions with a pause
// between them, so the admitted load barely notices and autovacuum reclaims the space for new
// rows (nothing is rewritten; no VACUUM FULL is needed to stop the tables growing).
//
// A number's history outlives its job: before a job's ledger goes, each of its SUCCEEDED rows
// (a status change, numbers/status-changes.ts) is copied into number_status_history with the
// same statuses, time and actor. So a number's history stays complete; what is gone with the
// job is its request, result and per-number outcomes (and the job id on those changes).

export interface RetentionBatch {
  jobs: number;
  items: number;
  historyKept: number;
}

/** Deletes Idempotency-Key records older than `ttlMs`, `batch` at a time; returns how many. */
export async function purgeIdempotencyKeys(sql: Sql, ttlMs: number, batch: number) {
  let total = 0;
  for (;;) {
    const rows = await sql`
      delete from idempotency_keys where ctid = any(array(
        select ctid from idempotency_keys
        where created_at < now() - ${ttlMs} * interval '1 millisecond' limit ${batch}))
      returning 1`;
    total += rows.length;
    if (rows.length < batch) return total;
  }
}

/**
 * Deletes up to `batch` jobs that ended more than `days` ago, with their ledger and keys, in
 * one transaction; their status changes are kept as history first. Jobs another transaction
 * holds are skipped (SKIP LOCKED), to be taken next time.
 */
export async function deleteEndedJobs(
  sql: Sql,
  days: number,
  batch: number,
): Promise<RetentionBatch> {
  const ops = Object.values(OPERATIONS);
  return sql.begin(async (tx) => {
    // Names the transaction in pg_stat_activity (and the bench's wait sampling,
    // bench/pg-waits.ts), and commits without waiting for the WAL flush: a delete lost in a
    // crash is redone by the next pass (the jobs are still there and still old), and the
    // service's own commits no longer queue behind retention's flushes.
    await tx`select set_config('application_name', 'ocn-retention', true),
                    set_config('synchronous_commit', 'off', true)`;
    const doomed = await tx<{ id: string }[]>`
      select id from jobs
      where state in ('completed', 'cancelled', 'failed')
        and finished_at < now() - ${days} * interval '1 day'
      limit ${batch}
      for update skip locked`;
    if (doomed.length === 0) return { jobs: 0, items: 0, historyKept: 0 };
    const ids = doomed.map((d) => d.id);
    const kept = await tx`
      insert into number_status_history (number_id, from_status, to_status, actor, changed_at)
      select i.number_id, o.from_status, o.to_status,
             coalesce('api-key:' || j.api_key_id::text, 'job:' || j.id::text), i.processed_at
      from jobs j
      join job_items i on i.job_id = j.id and i.outcome = 'SUCCEEDED'
      join unnest(${ops.map((op) => op.name)}::text[],
                  ${ops.map((op) => op.fromStatus)}::number_status[],
                  ${ops.map((op) => op.toStatus)}::number_status[]) as o(name, from_status, to_status)
        on o.name = j.operation
      where j.id = any(${ids}::uuid[])
      order by i.processed_at, i.position`;
    const items = await tx`delete from job_items where job_id = any(${ids}::uuid[])`;
    await tx`delete from idempotency_keys where job_id = any(${ids}::uuid[])`;
    await tx`delete from jobs where id = any(${ids}::uuid[])`;
    return { jobs: ids.length, items: items.count, historyKept: kept.count };
  });
}
