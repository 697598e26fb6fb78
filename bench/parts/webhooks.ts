import { createEndpoint } from '../../src/webhooks/endpoints.ts';
import { waitFor } from '../../test/support/wait.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../test/support/webhook-receiver.ts';
import type { BenchContext } from '../context.ts';
import { assertNoOpenJobs, chunk, insertJobs, seedMarkedNumbers } from '../seed.ts';
import {
  isFullSuccess,
  READY_FOR_REMOVAL_PATH,
  seedRequestBodies,
  startService,
} from '../service.ts';
import { type Latency, latency, type Spread, spread } from '../stats.ts';
import { startWorkerFleet } from '../worker-fleet.ts';

export interface WebhooksResult {
  endpointsPerOperator: number;
  /** From the job's finishedAt (in the message) to the receiver's 2xx, at the admitted load. */
  deliveryMs: Latency;
  requests: number;
  delivered: number;
  expected: number;
  /** numbers/s of a worker process through BullMQ, runs interleaved in one fleet. */
  off: Spread;
  on: Spread;
  /** on / off per pair of neighbouring runs. */
  onOverOff: Spread;
}

const ENDPOINTS = 3;
// The receiver is on 127.0.0.1: the bench needs the flag a closed network would use.
const ALLOW = { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' };

/**
 * Part 6: webhooks. (a) The whole admitted load with 3 endpoints for the operator: the time
 * from a job's end to its message's 2xx at a real receiver. (b) Worker throughput with those
 * endpoints on and off, in one worker fleet, runs interleaved (off, on, off, on …) so drift
 * on a busy machine falls on both sides alike.
 */
export async function benchWebhooks(ctx: BenchContext): Promise<WebhooksResult> {
  const receiver = await startWebhookReceiver();
  try {
    const endpoints = await registerEndpoints(ctx, receiver);
    const latencyPart = await measureDeliveryLatency(ctx, receiver);
    const throughput = await measureOnOff(ctx, endpoints);
    return { endpointsPerOperator: ENDPOINTS, ...latencyPart, ...throughput };
  } finally {
    await ctx.db.sql`delete from webhook_endpoints where operator_id = ${ctx.tenant.operatorId}`;
    await receiver.close();
  }
}

async function registerEndpoints(ctx: BenchContext, receiver: WebhookReceiver) {
  const ids: string[] = [];
  for (let i = 0; i < ENDPOINTS; i += 1) {
    const created = await createEndpoint(ctx.db.db, ctx.tenant.operatorId, {
      url: receiver.url(`/bench-${i}`),
      events: ['job.completed', 'job.failed', 'job.cancelled'],
      description: 'bench',
    });
    ids.push(created.id);
  }
  return ids;
}

const setEnabled = (ctx: BenchContext, enabled: boolean) =>
  ctx.db
    .sql`update webhook_endpoints set enabled = ${enabled} where operator_id = ${ctx.tenant.operatorId}`;

const received = (receiver: WebhookReceiver) =>
  Array.from({ length: ENDPOINTS }, (_, i) => receiver.calls(`/bench-${i}`)).flat();

async function measureDeliveryLatency(ctx: BenchContext, receiver: WebhookReceiver) {
  const { sizes, config } = ctx;
  const perMinute = (config.rateLimit.max * 60_000) / config.rateLimit.windowMs;
  const intervalMs = 60_000 / perMinute;
  const count = Math.max(1, Math.floor((sizes.loadSeconds * 1000) / intervalMs));
  const bodies = await seedRequestBodies(ctx, count);
  const before = received(receiver).length;
  const service = await startService(ctx, 'webhooks', ALLOW);
  try {
    const started = performance.now();
    const answers = await Promise.all(
      bodies.map(async (body, i) => {
        const wait = started + i * intervalMs - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        return service.client.post(READY_FOR_REMOVAL_PATH, body);
      }),
    );
    const requests = answers.filter((a) => isFullSuccess(a, sizes.jobSize)).length;
    const expected = requests * ENDPOINTS;
    await waitFor(
      'every message at the receiver',
      async () => (received(receiver).length - before >= expected ? true : undefined),
      60_000,
      50,
    ).catch((err: Error) => ctx.log(`  ${err.message}`));
    const calls = received(receiver).slice(before);
    const ms = calls.map((call) => {
      const { data } = JSON.parse(call.body) as { data: { finishedAt: string } };
      return call.at - Date.parse(data.finishedAt);
    });
    const deliveryMs = latency(ms);
    ctx.log(
      `  ${calls.length}/${expected} messages; job end → receiver p50 ${Math.round(deliveryMs.p50)} ms, p99 ${Math.round(deliveryMs.p99)} ms`,
    );
    return { deliveryMs, requests: answers.length, delivered: calls.length, expected };
  } finally {
    await service.stop();
  }
}

async function measureOnOff(ctx: BenchContext, endpoints: string[]) {
  const { sizes } = ctx;
  await assertNoOpenJobs(ctx.db.sql);
  const fleet = await startWorkerFleet({
    config: ctx.config,
    databaseUrl: ctx.db.url,
    queuePrefix: `${ctx.queuePrefix}-webhooks-fleet`,
    processes: 1,
    concurrency: 4,
    env: ALLOW,
  });
  const samples = { off: [] as number[], on: [] as number[], ratio: [] as number[] };
  try {
    for (let r = 0; r <= sizes.runs; r += 1) {
      const pair: Record<'off' | 'on', number> = { off: 0, on: 0 };
      // Alternate which goes first, so neither side always runs on a warmer cache.
      for (const side of r % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        await setEnabled(ctx, side === 'on');
        const jobCount = Math.max(4, sizes.scalingJobs);
        const numbers = await seedMarkedNumbers(
          ctx.db.sql,
          ctx.numbers,
          ctx.tenant,
          jobCount * sizes.jobSize,
        );
        const ids = await insertJobs(
          ctx.db.sql,
          ctx.tenant,
          chunk(numbers, sizes.jobSize),
          'queued',
        );
        const started = process.hrtime.bigint();
        await fleet.runAll(ids.map((jobId) => ({ jobId, operatorId: ctx.tenant.operatorId })));
        pair[side] = numbers.length / (Number(process.hrtime.bigint() - started) / 1e9);
      }
      ctx.log(
        `  ${r === 0 ? 'warm-up' : `run ${r}`}: off ${Math.round(pair.off)}, on ${Math.round(pair.on)} numbers/s (${endpoints.length} endpoints)`,
      );
      if (r === 0) continue;
      samples.off.push(pair.off);
      samples.on.push(pair.on);
      samples.ratio.push(pair.on / pair.off);
    }
  } finally {
    await fleet.close();
  }
  return { off: spread(samples.off), on: spread(samples.on), onOverOff: spread(samples.ratio) };
}
