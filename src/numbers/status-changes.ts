import type { PendingQuery, Row } from 'postgres';
import type { Sql } from '../db/client.ts';
import { OPERATIONS } from '../domain/operations.ts';

// Every status change of every number, as one relation. Two tables hold them:
// - a job's changes are its ledger rows with outcome SUCCEEDED (`job_items`): the ledger records
//   every position of a job anyway, so the job path writes one row per number, not two;
// - everything else (inventory imports) is in `number_status_history`, except
// - a number's creation by an import, which is the number row itself (`imported_status`, at
//   `created_at`; migration 0011): a first load of 5M numbers writes no 5M history rows. Its
//   `seq` is 0, so it comes first among changes that share its timestamp.
// A job's from/to statuses are its operation's (`src/domain/operations.ts`), passed in as
// parameters, so the operations stay defined in one place. An operation's statuses therefore
// never change once jobs have run with them: a different transition is a new operation.

/**
 * The relation, for `from ${statusChanges(sql)} c where c.number_id = …`: Postgres pushes such
 * a filter into both halves (each has an index on `number_id`). Columns: number_id,
 * from_status, to_status, changed_at, job_id (null outside jobs), operation (the job's,
 * `import`, or null), actor (`api-key:<id>`,
 * `client:<issuer-host>/<client-id>` for an OpenID Connect client's job, `job:<id>` for a job
 * of neither, `import`, …), and
 * `seq`, which orders changes that share a timestamp.
 */
export function statusChanges(sql: Sql): PendingQuery<Row[]> {
  const ops = Object.values(OPERATIONS);
  return sql`(
    select h.number_id, h.from_status, h.to_status, h.changed_at, null::uuid as job_id,
           case when h.actor = 'import' then 'import' end as operation, h.actor, h.id as seq
    from number_status_history h
    union all
    select n.id, null, n.imported_status, n.created_at, null::uuid, 'import', 'import', 0::bigint
    from telephone_numbers n
    where n.imported_status is not null
    union all
    select i.number_id, o.from_status, o.to_status, i.processed_at, i.job_id, j.operation,
           coalesce('api-key:' || j.api_key_id::text, j.client_principal, 'job:' || j.id::text),
           i.position
    from job_items i
    join jobs j on j.id = i.job_id
    join unnest(${ops.map((op) => op.name)}::text[],
                ${ops.map((op) => op.fromStatus)}::number_status[],
                ${ops.map((op) => op.toStatus)}::number_status[]) as o(name, from_status, to_status)
      on o.name = j.operation
    where i.outcome = 'SUCCEEDED'
  )`;
}
