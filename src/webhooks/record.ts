import type { Sql } from '../db/client.ts';
import type { Decision } from './decide.ts';
import { FAILING_DISABLES_AFTER_MS } from './events.ts';

// Records an attempt in Postgres, the truth about every delivery: the delivery row and its
// endpoint's health in one transaction. Each statement names the attempt it records
// (`attempts = attempt - 1`, still pending): a second delivery of the same BullMQ job (a
// stalled worker's) records nothing twice.

export interface AttemptRecord {
  messageId: string;
  endpointId: string;
  attempt: number;
  responseStatus: number | null;
  error: string | null;
}

/** What recording did to the endpoint, for the metrics. */
export interface Recorded {
  /** False when another delivery of this attempt recorded it first. */
  applied: boolean;
  disabled?: 'gone' | 'failing';
}

export async function recordAttempt(
  sql: Sql,
  rec: AttemptRecord,
  decision: Decision,
): Promise<Recorded> {
  if (decision.kind === 'succeeded') return recordSuccess(sql, rec);
  return sql.begin(async (tx) => {
    const state = decision.kind === 'retry' ? 'pending' : 'failed';
    const delayS = decision.kind === 'retry' ? decision.delayMs / 1000 : null;
    const rows = await tx`
      update webhook_deliveries set
        state = ${state}, attempts = ${rec.attempt}, last_attempt_at = now(),
        response_status = ${rec.responseStatus}, error = ${rec.error},
        next_attempt_at = case when ${delayS}::float8 is null then null
                               else now() + make_interval(secs => ${delayS}::float8) end,
        relayed_at = null
      where message_id = ${rec.messageId} and endpoint_id = ${rec.endpointId}
        and attempts = ${rec.attempt - 1} and state = 'pending'`;
    if (rows.count === 0) return { applied: false };
    if (decision.kind === 'gone') {
      const gone = await tx`
        update webhook_endpoints set enabled = false, disabled_reason = 'gone', updated_at = now()
        where id = ${rec.endpointId} and enabled`;
      return gone.count > 0 ? { applied: true, disabled: 'gone' } : { applied: true };
    }
    // A failure: the streak starts now unless it already runs; five days of it disable.
    const failing = await tx`
      update webhook_endpoints set
        failing_since = coalesce(failing_since, now()),
        enabled = false, disabled_reason = 'failing', updated_at = now()
      where id = ${rec.endpointId} and enabled
        and failing_since <= now() - make_interval(secs => ${FAILING_DISABLES_AFTER_MS / 1000})`;
    if (failing.count > 0) return { applied: true, disabled: 'failing' };
    await tx`update webhook_endpoints set failing_since = now()
             where id = ${rec.endpointId} and failing_since is null`;
    return { applied: true };
  });
}

/**
 * The common case in one statement (one round trip, atomic without a transaction block): the
 * delivery succeeded, and its endpoint's failure streak, if any, ends.
 */
async function recordSuccess(sql: Sql, rec: AttemptRecord): Promise<Recorded> {
  const [row] = await sql<{ applied: number }[]>`
    with delivered as (
      update webhook_deliveries set
        state = 'succeeded', attempts = ${rec.attempt}, last_attempt_at = now(),
        response_status = ${rec.responseStatus}, error = null, next_attempt_at = null,
        relayed_at = null
      where message_id = ${rec.messageId} and endpoint_id = ${rec.endpointId}
        and attempts = ${rec.attempt - 1} and state = 'pending'
      returning endpoint_id),
    healthy as (
      update webhook_endpoints set failing_since = null
      where id in (select endpoint_id from delivered) and failing_since is not null)
    select count(*)::int as applied from delivered`;
  return { applied: (row?.applied ?? 0) > 0 };
}

/** A delivery not sent because its endpoint is disabled: it ends failed. */
export async function recordSkipped(
  sql: Sql,
  rec: Omit<AttemptRecord, 'responseStatus'>,
): Promise<boolean> {
  const rows = await sql`
    update webhook_deliveries set state = 'failed', next_attempt_at = null, relayed_at = null,
      error = ${rec.error}
    where message_id = ${rec.messageId} and endpoint_id = ${rec.endpointId}
      and attempts = ${rec.attempt - 1} and state = 'pending'`;
  return rows.count > 0;
}
