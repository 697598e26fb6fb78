import { waitFor } from '../../test/support/wait.ts';
import type { BenchContext } from '../context.ts';
import {
  isFullSuccess,
  READY_FOR_REMOVAL_PATH,
  type RunningService,
  seedRequestBodies,
  startService,
} from '../service.ts';
import { type Latency, latency } from '../stats.ts';

export interface EndToEndResult {
  latencyMs: Latency;
  /** `Prefer: respond-async`: validation, auth, rate limit, job row, enqueue; no processing. */
  intakeLatencyMs: Latency;
  /** CPU ms the service process spent per measured request (API + worker + JSON). */
  serviceCpuMsPerRequest: number;
  failures: number;
}

/**
 * Part 2: synchronous 500-number requests, one after another, over real HTTP (keep-alive) to a
 * warm service: validation, auth, rate limit, job creation, queueing, processing, result.
 * The rate limits are lifted here: part 3 runs at the real budget.
 */
export async function benchEndToEnd(ctx: BenchContext): Promise<EndToEndResult> {
  const { sizes } = ctx;
  const asyncCount = Math.max(1, Math.floor(sizes.httpRequests / 2));
  const total = sizes.httpWarmup + sizes.httpRequests + asyncCount;
  const bodies = await seedRequestBodies(ctx, total);
  // The workers' limiter follows the budgets (three per operation endpoint per window): out of the way here.
  const service = await startService(ctx, 'e2e', { RATE_LIMIT_MAX: '1000000' });
  const timings: number[] = [];
  let failures = 0;
  let cpuBefore = 0;
  try {
    const syncBodies = bodies.slice(0, sizes.httpWarmup + sizes.httpRequests);
    for (const [i, body] of syncBodies.entries()) {
      if (i === sizes.httpWarmup) cpuBefore = await service.child.cpuSeconds();
      const answer = await service.client.post(READY_FOR_REMOVAL_PATH, body);
      if (!isFullSuccess(answer, body.telephoneNumbers.length)) {
        failures += 1;
        if (failures === 1)
          ctx.log(`  unexpected answer ${answer.status}: ${answer.body.slice(0, 300)}`);
      }
      if (i >= sizes.httpWarmup) timings.push(answer.ms);
    }
    const cpu = (await service.child.cpuSeconds()) - cpuBefore;
    const intake: number[] = [];
    for (const body of bodies.slice(syncBodies.length)) {
      const answer = await service.client.post(READY_FOR_REMOVAL_PATH, body, {
        prefer: 'respond-async',
      });
      if (answer.status !== 202) failures += 1;
      intake.push(answer.ms);
      // One job at a time, as above: the next intake does not compete with this processing.
      await waitForJob(service, (JSON.parse(answer.body) as { jobId: string }).jobId);
    }
    const result = {
      latencyMs: latency(timings),
      intakeLatencyMs: latency(intake),
      serviceCpuMsPerRequest: (cpu * 1000) / sizes.httpRequests,
      failures,
    };
    ctx.log(
      `  p50 ${result.latencyMs.p50.toFixed(1)} ms, p99 ${result.latencyMs.p99.toFixed(1)} ms, ${failures} failures`,
    );
    return result;
  } finally {
    await service.stop();
  }
}

async function waitForJob(service: RunningService, jobId: string): Promise<void> {
  await waitFor(
    `job ${jobId} to complete`,
    async () => {
      const answer = await service.client.get(`/api/v3/oc/numbers/jobs/${jobId}`);
      return (JSON.parse(answer.body) as { state?: string }).state === 'completed' || undefined;
    },
    30_000,
    10,
  );
}
