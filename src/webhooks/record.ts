import type { Sql } from '../db/client.ts';
import { batched } from './batched.ts';
import type { Decision } from './decide.ts';
import { FAILING_DISABLES_AFTER_MS } from './events.ts';

// Records an attempt in Postgres, the truth about every delivery: the delivery row and its
// endpoint's health in one statement (one round trip, atomic without a transaction block; the
// successes of attempts ending together share one). Each statement names the attempt it
// records (`attempts = attempt - 1`, still pending): a second delivery of the same BullMQ job
// (a stalled worker's) records nothing twice.

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

/**
 * Records attempts for one delivering process: failures one statement each, successes (the
 * common case, and many at once when the worker is saturated) batched (batched.ts), their
 * statements at least `successGapMs` apart.
 */
export function createRecorder(sql: Sql, options: { successGapMs?: number } = {}) {
  const success = batched((recs: AttemptRecord[]) => recordSuccesses(sql, recs), {
    minGapMs: options.successGapMs ?? 0,
  });
  return (rec: AttemptRecord, decision: Decision): Promise<Recorded> =>
    decision.kind === 'succeeded' ? success(rec) : recordFailure(sql, rec, decision);
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
 * Successful attempts in one statement (one round trip and one commit, atomic without a
 * transaction block): each delivery succeeded, and its endpoint's failure streak, if any, ends.
 * Each row names its attempt (`attempts = attempt - 1`, still pending), so what another
 * delivery of the same attempt recorded first is not recorded again; of two deliveries of one
 * attempt in the same batch, only the first counts.
 */
async function recordSuccesses(sql: Sql, recs: AttemptRecord[]): Promise<Recorded[]> {
  const rows = await sql<{ messageId: string; endpointId: string; attempt: number }[]>`
    with v as (
      select * from unnest(${recs.map((r) => r.messageId)}::uuid[],
                           ${recs.map((r) => r.endpointId)}::uuid[],
                           ${recs.map((r) => r.attempt)}::int[],
                           ${recs.map((r) => r.responseStatus)}::int[])
        as v(message_id, endpoint_id, attempt, response_status)),
    delivered as (
      update webhook_deliveries d set
        state = 'succeeded', attempts = v.attempt, last_attempt_at = now(),
        response_status = v.response_status, error = null, next_attempt_at = null,
        relayed_at = null
      from v
      where d.message_id = v.message_id and d.endpoint_id = v.endpoint_id
        and d.attempts = v.attempt - 1 and d.state = 'pending'
      returning d.message_id, d.endpoint_id, v.attempt),
    healthy as (
      update webhook_endpoints set failing_since = null
      where id in (select endpoint_id from delivered) and failing_since is not null)
    select message_id as "messageId", endpoint_id as "endpointId", attempt from delivered`;
  const key = (r: { messageId: string; endpointId: string; attempt: number }) =>
    `${r.messageId} ${r.endpointId} ${r.attempt}`;
  const applied = new Set(rows.map(key));
  return recs.map((r) => ({ applied: applied.delete(key(r)) }));
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
