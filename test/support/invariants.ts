import { setTimeout as sleep } from 'node:timers/promises';
import type postgres from 'postgres';
import { statusChanges } from '../../src/numbers/status-changes.ts';

// What must hold in the database after any scenario, whatever was killed, dropped or raced.
// Each check is one query that returns the offending rows, so a failure names them.

type Sql = postgres.Sql;

const ENDED = ['completed', 'cancelled', 'failed'];

interface Check {
  name: string;
  query: (sql: Sql) => Promise<readonly Record<string, unknown>[]>;
}

const CHECKS: Check[] = [
  {
    name: 'a number recorded twice in one job ledger',
    query: (sql) => sql`
      select job_id, telephone_number, count(*)::int as times from job_items
      group by job_id, telephone_number having count(*) > 1 limit 20`,
  },
  {
    name: 'a ledger row that is not the request entry at its position',
    query: (sql) => sql`
      select i.job_id, i.position, i.telephone_number from job_items i join jobs j on j.id = i.job_id
      where i.position < 0 or i.position >= j.requested_count
         or j.telephone_numbers[i.position + 1] is distinct from i.telephone_number
      limit 20`,
  },
  {
    name: 'job counters that differ from the ledger (or a ledger with holes)',
    query: (sql) => sql`
      select j.id, j.state, j.processed_count, j.success_count, l.items, l.succeeded, l.max_position
      from jobs j left join lateral (
        select count(*)::int as items,
               (count(*) filter (where outcome = 'SUCCEEDED'))::int as succeeded,
               coalesce(max(position), -1) as max_position
        from job_items where job_id = j.id) l on true
      where j.processed_count <> l.items or j.success_count <> l.succeeded
         or l.max_position <> l.items - 1 or j.processed_count > j.requested_count
      limit 20`,
  },
  {
    name: 'an ended job whose stored result disagrees with its counters',
    query: (sql) => sql`
      select id, state, processed_count, success_count, requested_count, result->'status' as status,
             result->'data'->'processedCount' as result_processed
      from jobs where state = any(${ENDED}) and (
        finished_at is null
        or (state = 'completed' and processed_count <> requested_count)
        or (state <> 'failed' and result is null)
        or (result is not null and (
              (result->'data'->>'processedCount')::int <> processed_count
           or (result->'data'->>'successCount')::int <> success_count
           or (result->'data'->>'requestedCount')::int <> requested_count
           or (state = 'cancelled' and result->>'status' <> 'cancelled')
           or (state = 'completed' and result->>'status' = 'cancelled'))))
      limit 20`,
  },
  {
    name: 'a status change that does not start where the previous one ended',
    query: (sql) => sql`
      select number_id, job_id, operation, from_status, to_status, previous_to from (
        select c.*, lag(to_status) over (partition by number_id order by changed_at, seq) as previous_to,
               row_number() over (partition by number_id order by changed_at, seq) as n
        from ${statusChanges(sql)} c) x
      where n > 1 and from_status is distinct from previous_to
      limit 20`,
  },
  {
    // Once backfilled (drizzle/0005_number_counts.sql), the counters are the rows, counted.
    name: 'number counts that differ from the numbers they count',
    query: (sql) => sql`
      with truth as (
        select operator_id, coalesce(customer_id, '00000000-0000-0000-0000-000000000000') as customer_id,
               status, count(*) as n
        from telephone_numbers group by 1, 2, 3)
      select operator_id, customer_id, status, t.n as rows, k.count as counted
      from truth t full join number_counts k using (operator_id, customer_id, status)
      where exists (select 1 from schema_backfills where name = 'number_counts')
        and coalesce(t.n, 0) <> coalesce(k.count, 0)
      limit 20`,
  },
  {
    name: 'a number confirmed by more than one job',
    query: (sql) => sql`
      select number_id, count(*)::int as times from ${statusChanges(sql)} c
      where job_id is not null and to_status = 'ReadyForRemoval'
      group by number_id having count(*) > 1 limit 20`,
  },
  {
    // One pass over the history (DISTINCT ON), not a lookup per number: after the load test's
    // bulk writes the per-number lateral form once ran past the 120 s hook timeout.
    name: "a number whose status is not its history's last word",
    query: (sql) => sql`
      select n.id, n.e164, n.status, last.to_status from telephone_numbers n
      join (select distinct on (number_id) number_id, to_status from ${statusChanges(sql)} c
            order by number_id, changed_at desc, seq desc) last on last.number_id = n.id
      where n.status <> last.to_status limit 20`,
  },
  {
    name: "a job that recorded or changed another operator's number",
    query: (sql) => sql`
      select j.id as job_id, j.operator_id, n.operator_id as number_operator, n.e164
      from jobs j
      join job_items i on i.job_id = j.id
      join telephone_numbers n on n.id = i.number_id
      where n.operator_id <> j.operator_id
      limit 20`,
  },
  {
    name: "a job or idempotency key tied to another operator's key or job",
    query: (sql) => sql`
      select j.id, j.operator_id, k.operator_id as key_operator from jobs j
      join api_keys k on k.id = j.api_key_id where k.operator_id <> j.operator_id
      union all
      select ik.job_id, ik.operator_id, j.operator_id from idempotency_keys ik
      join jobs j on j.id = ik.job_id where j.operator_id <> ik.operator_id
      limit 20`,
  },
];

/** Every invariant violation in the database, as readable lines (empty when all hold). */
export async function findViolations(sql: Sql): Promise<string[]> {
  const violations: string[] = [];
  for (const check of CHECKS) {
    const rows = await check.query(sql);
    for (const row of rows) violations.push(`${check.name}: ${JSON.stringify(row)}`);
  }
  return violations;
}

/** Throws listing every violation; call after each scenario. */
export async function assertInvariants(sql: Sql): Promise<void> {
  const violations = await findViolations(sql);
  if (violations.length > 0) {
    throw new Error(`invariants violated:\n${violations.join('\n')}`);
  }
}

/** Waits until every job of `jobIds` (every job when omitted) has ended; names the stragglers. */
export async function waitForJobsEnded(
  sql: Sql,
  jobIds?: readonly string[],
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = jobIds
      ? await sql<{ id: string; state: string }[]>`
          select id, state from jobs where id = any(${jobIds as string[]}::uuid[])
            and state in ('queued', 'active')`
      : await sql<{ id: string; state: string }[]>`
          select id, state from jobs where state in ('queued', 'active')`;
    const missing = jobIds
      ? (
          await sql<{ id: string }[]>`
            select x.id from unnest(${jobIds as string[]}::uuid[]) as x(id)
            where not exists (select 1 from jobs j where j.id = x.id)`
        ).map((r) => `${r.id} (no jobs row)`)
      : [];
    if (missing.length > 0) throw new Error(`accepted jobs missing: ${missing.join(', ')}`);
    if (open.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`jobs did not end: ${open.map((j) => `${j.id}=${j.state}`).join(', ')}`);
    }
    await sleep(100);
  }
}
