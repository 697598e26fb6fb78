import type { Sql } from '../db/client.ts';
import type { Decision } from './decide.ts';
import { FAILING_DISABLES_AFTER_MS } from './events.ts';

// Records an attempt in Postgres, the truth about every delivery: the delivery row and its
// endpoint's health in one statement (one round trip, atomic without a transaction block).
// Each statement names the attempt it records
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
  return recordFailure(sql, rec, decision);
}

/**
 * A failed attempt in one statement: the delivery row (a retry scheduled, or failed for good)
 * and the endpoint's health — a 410 disables it; otherwise its failure streak starts unless it
 * runs already, and a streak of five days disables it. `disabled` reports only the disabling
 * this statement did (for the metrics).
 */
async function recordFailure(
  sql: Sql,
  rec: AttemptRecord,
  decision: Exclude<Decision, { kind: 'succeeded' }>,
): Promise<Recorded> {
  const state = decision.kind === 'retry' ? 'pending' : 'failed';
  const delayS = decision.kind === 'retry' ? decision.delayMs / 1000 : null;
  const gone = decision.kind === 'gone';
  const [row] = await sql<{ applied: number; disabled: 'gone' | 'failing' | null }[]>`
    with delivered as (
      update webhook_deliveries set
        state = ${state}, attempts = ${rec.attempt}, last_attempt_at = now(),
        response_status = ${rec.responseStatus}, error = ${rec.error},
        next_attempt_at = case when ${delayS}::float8 is null then null
                               else now() + make_interval(secs => ${delayS}::float8) end,
        relayed_at = null
      where message_id = ${rec.messageId} and endpoint_id = ${rec.endpointId}
        and attempts = ${rec.attempt - 1} and state = 'pending'
      returning endpoint_id),
    -- Judged on the endpoint row locked first (its latest version, should another attempt
    -- have changed it meanwhile): of two failures at once, only one disables it.
    verdict as (
      select e.id, e.enabled and ${gone}::boolean as gone,
             e.enabled and not ${gone}::boolean and coalesce(e.failing_since <= now()
               - make_interval(secs => ${FAILING_DISABLES_AFTER_MS / 1000}), false) as failing
      from webhook_endpoints e where e.id in (select endpoint_id from delivered)
      for no key update),
    health as (
      update webhook_endpoints e set
        failing_since = case when ${gone}::boolean then e.failing_since
                             else coalesce(e.failing_since, now()) end,
        enabled = e.enabled and not (v.gone or v.failing),
        disabled_reason = case when v.gone then 'gone' when v.failing then 'failing'
                               else e.disabled_reason end,
        updated_at = case when v.gone or v.failing
                          then greatest(now(), e.updated_at + interval '1 microsecond')
                          else e.updated_at end
      from verdict v where e.id = v.id
      returning case when v.gone then 'gone' when v.failing then 'failing' end as disabled)
    select (select count(*) from delivered)::int as applied,
           (select disabled from health) as disabled`;
  if (!row || row.applied === 0) return { applied: false };
  return row.disabled ? { applied: true, disabled: row.disabled } : { applied: true };
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
