import type { Sql } from '../../src/db/client.ts';

/**
 * The floor (docs/performance.md, baseline b): what moving the numbers costs with no per-number rules,
 * ledger or progress at all: one bulk UPDATE of the job's numbers plus one history row per moved
 * number, in a single statement (one round trip, one implicit transaction). The service records
 * a move in its ledger instead (one row per number either way); the history row is kept here so
 * the floor stays the bar it always was.
 */
export async function floorTransition(sql: Sql, jobId: string, numbers: readonly string[]) {
  const [row] = await sql<{ moved: number }[]>`
    with moved as (
      update telephone_numbers
      set status = 'ReadyForRemoval', assignable = false,
          confirmed_for_removal_at = now(), updated_at = now()
      where e164 = any(${numbers as string[]}::text[]) and status = 'MarkedForRemoval'
      returning id
    ), history as (
      insert into number_status_history (number_id, from_status, to_status, actor)
      select id, 'MarkedForRemoval', 'ReadyForRemoval', ${`job:${jobId}`} from moved
      returning 1
    )
    select count(*)::int as moved from history`;
  return row?.moved ?? 0;
}
