import type { Sql } from '../../src/db/client.ts';

/**
 * The naive way (docs/performance.md, baseline a): one transaction per number, each statement awaited before
 * the next, so every number pays five round trips: BEGIN, SELECT … FOR UPDATE, UPDATE, INSERT
 * into the ledger (which is also the number's history, as in the service), COMMIT. Numbers are
 * done strictly one after another, in order.
 */
export async function naiveTransition(sql: Sql, jobId: string, numbers: readonly string[]) {
  let succeeded = 0;
  for (const [position, e164] of numbers.entries()) {
    // sql.begin sends BEGIN and COMMIT as their own statements on one reserved connection.
    await sql.begin(async (tx) => {
      const [row] = await tx<{ id: number; status: string }[]>`
        select id, status from telephone_numbers where e164 = ${e164} for update`;
      if (row?.status !== 'MarkedForRemoval') throw new Error(`${e164} not seeded`);
      await tx`
        update telephone_numbers
        set status = 'ReadyForRemoval', assignable = false,
            confirmed_for_removal_at = now(), updated_at = now()
        where id = ${row.id}`;
      await tx`
        insert into job_items (job_id, position, telephone_number, number_id, outcome, current_status)
        values (${jobId}, ${position}, ${e164}, ${row.id}, 'SUCCEEDED', 'ReadyForRemoval')`;
    });
    succeeded += 1;
  }
  return succeeded;
}
