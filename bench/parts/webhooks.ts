import { createEndpoint } from '../../src/webhooks/endpoints.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../test/support/webhook-receiver.ts';
import type { BenchContext } from '../context.ts';
import { baselineRoot } from '../processes.ts';
import { type AdmittedResult, measureAdmitted } from '../webhooks/admitted.ts';
import { ENDPOINTS } from '../webhooks/common.ts';
import { type DrainResult, measureDrain } from '../webhooks/drain.ts';

export interface WebhooksResult {
  endpointsPerOperator: number;
  /** The admitted load through the whole service, endpoints off and on (the bar). */
  admitted: AdmittedResult;
  /** A saturated worker draining a backlog, deliveries in its process and in their own. */
  drain: DrainResult[];
}

/**
 * Part 7: webhooks, with 3 endpoints for the operator on a receiver in the bench process
 * answering 204. (a) The admitted load: throughput, the service's CPU and the time from a job's
 * end to its message's 2xx, endpoints off and on in interleaved pairs. (b) A backlog drained
 * by a saturated worker, off and on, with the deliveries in the worker's process and apart
 * (and, with OCN_BENCH_BASELINE_ROOT, the baseline tree's drain after this tree's).
 */
export async function benchWebhooks(ctx: BenchContext): Promise<WebhooksResult> {
  const receiver = await startWebhookReceiver();
  try {
    await registerEndpoints(ctx, receiver);
    const admitted = await measureAdmitted(ctx, receiver);
    const drain = [await measureDrain(ctx, 'together'), await measureDrain(ctx, 'apart')];
    // With a baseline tree: its drain too (deliveries in the worker's process), each tree's
    // on/off taken against its own off runs of the same minute.
    const base = baselineRoot();
    if (base) drain.push(await measureDrain(ctx, 'together', base));
    return { endpointsPerOperator: ENDPOINTS, admitted, drain };
  } finally {
    await ctx.db.sql`delete from webhook_endpoints where operator_id = ${ctx.tenant.operatorId}`;
    await receiver.close();
  }
}

async function registerEndpoints(ctx: BenchContext, receiver: WebhookReceiver) {
  for (let i = 0; i < ENDPOINTS; i += 1) {
    await createEndpoint(ctx.db.db, ctx.tenant.operatorId, {
      url: receiver.url(`/bench-${i}`),
      events: ['job.completed', 'job.failed', 'job.cancelled'],
      description: 'bench',
    });
  }
}
