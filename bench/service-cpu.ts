import type { BenchContext } from './context.ts';
import { PostgresCpu } from './postgres-cpu.ts';

/**
 * CPU a stretch of work cost the service: its process (all threads) plus the Postgres backends
 * of the bench database other than the bench's own. Only one service works at a time in the
 * parts that use this (the others sit idle), so the backends' CPU is that service's.
 */
export async function startServiceCpu(
  ctx: BenchContext,
  processCpuSeconds: () => Promise<number>,
): Promise<() => Promise<{ nodeMs: number; postgresMs: number; totalMs: number }>> {
  const postgres = new PostgresCpu(ctx.db.sql, 'service');
  await postgres.start();
  const before = await processCpuSeconds();
  return async () => {
    const nodeMs = ((await processCpuSeconds()) - before) * 1000;
    const postgresMs = ((await postgres.elapsed()) ?? 0) * 1000;
    return { nodeMs, postgresMs, totalMs: nodeMs + postgresMs };
  };
}
