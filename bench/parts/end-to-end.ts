import type { BenchContext } from '../context.ts';
import { chunk, seedMarkedNumbers } from '../seed.ts';
import { isFullSuccess, READY_FOR_REMOVAL_PATH, startService } from '../service.ts';
import { type Latency, latency } from '../stats.ts';

export interface EndToEndResult {
  latencyMs: Latency;
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
  const total = sizes.httpWarmup + sizes.httpRequests;
  const numbers = await seedMarkedNumbers(
    ctx.db.sql,
    ctx.numbers,
    ctx.tenant,
    total * sizes.jobSize,
  );
  const bodies = chunk(numbers, sizes.jobSize).map((telephoneNumbers) => ({ telephoneNumbers }));
  await ctx.db.sql`analyze`;
  const service = await startService(ctx, {
    RATE_LIMIT_MAX: '1000000',
    WORKER_LIMITER_MAX: '1000000',
  });
  const timings: number[] = [];
  let failures = 0;
  let cpuBefore = 0;
  try {
    for (const [i, body] of bodies.entries()) {
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
    const result = {
      latencyMs: latency(timings),
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
