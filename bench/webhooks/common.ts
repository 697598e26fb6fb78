import type { WebhookReceiver } from '../../test/support/webhook-receiver.ts';
import type { BenchContext } from '../context.ts';

// What the webhook part's two measures share: the operator's endpoints on one receiver in the
// bench process, switched on and off between runs.

export const ENDPOINTS = 3;
// The receiver is on 127.0.0.1: the bench needs the flag a closed network would use.
export const ALLOW = { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' };

/** Off = every endpoint of the operator disabled: the outbox trigger writes nothing. */
export const setEnabled = (ctx: BenchContext, enabled: boolean) =>
  ctx.db
    .sql`update webhook_endpoints set enabled = ${enabled} where operator_id = ${ctx.tenant.operatorId}`;

/**
 * Every call the receiver got on the bench's endpoints since `sinceMs` (wall clock): a run
 * starts only once the previous run's messages have all arrived.
 */
export const receivedSince = (receiver: WebhookReceiver, sinceMs: number) =>
  Array.from({ length: ENDPOINTS }, (_, i) => receiver.calls(`/bench-${i}`))
    .flat()
    .filter((call) => call.at >= sinceMs);

/** The operator's deliveries not yet delivered (nor failed). */
export async function pendingDeliveries(ctx: BenchContext): Promise<number> {
  const [row] = await ctx.db.sql<{ n: number }[]>`
    select count(*)::int as n from webhook_deliveries d
    join webhook_endpoints e on e.id = d.endpoint_id
    where e.operator_id = ${ctx.tenant.operatorId} and d.state = 'pending'`;
  return row?.n ?? 0;
}

/** Milliseconds from each message's job end (`finishedAt`, in the body) to its arrival. */
export const jobEndToArrivalMs = (calls: readonly { body: string; at: number }[]) =>
  calls.map((call) => {
    const { data } = JSON.parse(call.body) as { data: { finishedAt: string } };
    return call.at - Date.parse(data.finishedAt);
  });

/** Off then on, then on then off, …: neither side always runs on the warmer cache. */
export const sidesOfPair = (pair: number) =>
  pair % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);

/**
 * The A/A control: in the off/on, on/off, … sequence the same side runs twice in a row at every
 * pair boundary; the later run over the earlier one, per such boundary, is what the same
 * configuration measured twice differs by — the noise floor the on/off ratios are read against.
 */
export function sameSideRatios<T>(
  sequence: readonly { side: 'off' | 'on'; sample: T }[],
  value: (sample: T) => number,
): number[] {
  const out: number[] = [];
  for (let i = 1; i < sequence.length; i += 1) {
    const [before, after] = [sequence[i - 1], sequence[i]];
    if (before && after && before.side === after.side) {
      out.push(value(after.sample) / value(before.sample));
    }
  }
  return out;
}
