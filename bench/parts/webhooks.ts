import { Webhook } from 'standardwebhooks';
import { createEndpoint } from '../../src/webhooks/endpoints.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../test/support/webhook-receiver.ts';
import type { BenchContext } from '../context.ts';
import { baselineRoot } from '../processes.ts';
import { type AdmittedResult, measureAdmitted } from '../webhooks/admitted.ts';
import { ENDPOINTS } from '../webhooks/common.ts';
import { type DrainResult, measureDrain } from '../webhooks/drain.ts';

export interface WebhooksResult {
  endpointsPerOperator: number;
  /**
   * The admitted load through the whole service, endpoints off and on (the bar);
   * undefined with OCN_BENCH_WEBHOOKS_ONLY=drain.
   */
  admitted?: AdmittedResult;
  /** A saturated worker draining a backlog, deliveries in its process and in their own. */
  drain: DrainResult[];
  /**
   * Messages whose signature the bench verified with the standardwebhooks package, after the
   * measures (a sample: every VERIFY_EVERY-th call per endpoint; one that fails ends the part).
   */
  verifiedSample: number;
}

/**
 * The receiver answers without verifying: in production verifying is the operator's CPU, and
 * here it would run on the two cores the worker is measured on. A sample is verified after the
 * measures, so a wrong signature still fails the bench.
 */
const VERIFY_EVERY = 25;

/**
 * Part 7: webhooks, with 3 endpoints for the operator on a receiver in the bench process
 * answering 204. (a) The admitted load: throughput, the service's CPU and the time from a job's
 * end to its message's 2xx, endpoints off and on in interleaved pairs. (b) A backlog drained
 * by a saturated worker, off and on, with the deliveries in the worker's process and apart
 * (and, with OCN_BENCH_BASELINE_ROOT, the baseline tree's drain after this tree's).
 * OCN_BENCH_WEBHOOKS_ONLY=drain runs only (b) with the deliveries in the worker's process (and
 * the baseline's): a lever on the drain measured in a third of the time.
 * OCN_BENCH_WEBHOOKS_PAIRS: the drain's pairs (4 by default); OCN_BENCH_WEBHOOKS_JOBS: its
 * jobs per run (240 by default).
 */
export async function benchWebhooks(ctx: BenchContext): Promise<WebhooksResult> {
  const receiver = await startWebhookReceiver();
  try {
    const secrets = await registerEndpoints(ctx, receiver);
    const drainOnly = process.env.OCN_BENCH_WEBHOOKS_ONLY === 'drain';
    const admitted = drainOnly ? undefined : await measureAdmitted(ctx, receiver);
    const drain = [await measureDrain(ctx, 'together')];
    if (!drainOnly) drain.push(await measureDrain(ctx, 'apart'));
    // With a baseline tree: its drain too (deliveries in the worker's process), each tree's
    // on/off taken against its own off runs of the same minute.
    const base = baselineRoot();
    if (base) drain.push(await measureDrain(ctx, 'together', base));
    const verifiedSample = verifySample(receiver, secrets);
    ctx.log(`  ${verifiedSample} received messages (a sample) verified`);
    return {
      endpointsPerOperator: ENDPOINTS,
      ...(admitted && { admitted }),
      drain,
      verifiedSample,
    };
  } finally {
    await ctx.db.sql`delete from webhook_endpoints where operator_id = ${ctx.tenant.operatorId}`;
    await receiver.close();
  }
}

/** The endpoints' secrets, by index (the path `/bench-<i>`). */
async function registerEndpoints(ctx: BenchContext, receiver: WebhookReceiver) {
  const secrets: string[] = [];
  for (let i = 0; i < ENDPOINTS; i += 1) {
    const endpoint = await createEndpoint(ctx.db.db, ctx.tenant.operatorId, {
      url: receiver.url(`/bench-${i}`),
      events: ['job.completed', 'job.failed', 'job.cancelled'],
      description: 'bench',
    });
    secrets.push(endpoint.secret);
  }
  return secrets;
}

/**
 * Checks every VERIFY_EVERY-th call of each endpoint with the standardwebhooks package: its
 * signature over the call's id, timestamp and raw body must be among the call's signatures.
 * Not `verify()`: that also refuses a timestamp older than 5 minutes (a receiver's replay
 * guard), and the sample is checked after runs that take longer.
 */
function verifySample(receiver: WebhookReceiver, secrets: readonly string[]): number {
  let count = 0;
  secrets.forEach((secret, i) => {
    const webhook = new Webhook(secret);
    const calls = receiver.calls(`/bench-${i}`);
    for (let n = 0; n < calls.length; n += VERIFY_EVERY) {
      const { headers, body } = calls[n] as (typeof calls)[number];
      const id = headers['webhook-id'] ?? '';
      const at = new Date(Number(headers['webhook-timestamp']) * 1000);
      if (!(headers['webhook-signature'] ?? '').split(' ').includes(webhook.sign(id, at, body))) {
        throw new Error(
          `the message ${id} to /bench-${i} is not signed with its endpoint's secret`,
        );
      }
      count += 1;
    }
  });
  if (count === 0) throw new Error('the receiver got no message to verify');
  return count;
}
