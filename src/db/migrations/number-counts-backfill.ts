import type postgres from 'postgres';

// Fills in number_counts for the numbers that existed before its triggers
// (drizzle/0005_number_counts.sql), on a live service, one counting group (an operator's
// customer, or its numbers without a customer) per short transaction:
// 1. the group's four counter rows are created if missing and locked. Every transaction that
//    changes the group's numbers updates one of them in its trigger, so once they are ours,
//    every such change is either committed or will apply its delta after we commit;
// 2. the group's numbers are counted (READ COMMITTED: a snapshot taken after the lock, so it
//    holds every committed change) and the counters set to that, replacing the deltas already
//    applied (they are all in the count).
// Nothing but these four rows is locked, for as long as it takes to count one group; a
// re-run recounts every group, so an interrupted backfill is finished by running it again.

const NIL = '00000000-0000-0000-0000-000000000000';
export const NUMBER_COUNTS_BACKFILL = 'number_counts';

type AnySql = postgres.Sql | postgres.TransactionSql;

interface Group {
  operatorId: string;
  /** null: the operator's numbers without a customer. */
  customerId: string | null;
}

/** Runs the backfill unless it has completed; returns how many groups it recounted. */
export async function backfillNumberCounts(sql: postgres.Sql): Promise<number | undefined> {
  // A database migrated only part of the way (a test's own migrations) has nothing to fill.
  const [schema] = await sql<{ exists: boolean }[]>`
    select to_regclass('schema_backfills') is not null as exists`;
  if (!schema?.exists) return undefined;
  const [done] = await sql`select 1 from schema_backfills where name = ${NUMBER_COUNTS_BACKFILL}`;
  if (done) return undefined;
  // Customers and operators created after the triggers have only counted numbers; listing
  // them too is harmless.
  const groups = await sql<Group[]>`
    select operator_id as "operatorId", id as "customerId" from customers
    union all
    select id, null from operators
    order by 1, 2`;
  for (const group of groups) await sql.begin((tx) => recountGroup(tx, group));
  await sql`
    insert into schema_backfills (name) values (${NUMBER_COUNTS_BACKFILL})
    on conflict (name) do nothing`;
  return groups.length;
}

async function recountGroup(sql: AnySql, group: Group): Promise<void> {
  const customer = group.customerId ?? NIL;
  await sql`
    insert into number_counts (operator_id, customer_id, status, count)
    select ${group.operatorId}::uuid, ${customer}::uuid, s, 0
    from unnest(enum_range(null::number_status)) as s order by s
    on conflict do nothing`;
  await sql`
    select 1 from number_counts
    where operator_id = ${group.operatorId}::uuid and customer_id = ${customer}::uuid
    order by status for update`;
  const numbers =
    group.customerId === null
      ? sql`operator_id = ${group.operatorId}::uuid and customer_id is null`
      : sql`customer_id = ${group.customerId}::uuid`;
  await sql`
    update number_counts k set count = coalesce(actual.n, 0)
    from unnest(enum_range(null::number_status)) as s(status)
    left join (select status, count(*) as n from telephone_numbers where ${numbers} group by status)
      as actual using (status)
    where k.operator_id = ${group.operatorId}::uuid and k.customer_id = ${customer}::uuid
      and k.status = s.status`;
}
