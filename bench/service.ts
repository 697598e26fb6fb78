import { startListening } from '../test/support/listening.ts';
import type { BenchContext } from './context.ts';
import { createHttpClient } from './http-client.ts';
import { benchProcessEnv, type NodeChild, spawnNode } from './processes.ts';
import { assertNoOpenJobs, chunk, seedMarkedNumbers } from './seed.ts';

export const READY_FOR_REMOVAL_PATH = '/api/v3/oc/numbers/action/ready-for-removal';

/**
 * `count` request bodies of `jobSize` numbers each, over numbers freshly marked for removal;
 * the planner's statistics are refreshed after the insert, as autovacuum would in time.
 */
export async function seedRequestBodies(ctx: BenchContext, count: number) {
  const { jobSize } = ctx.sizes;
  const numbers = await seedMarkedNumbers(ctx.db.sql, ctx.numbers, ctx.tenant, count * jobSize);
  await ctx.db.sql`analyze`;
  return chunk(numbers, jobSize).map((telephoneNumbers) => ({ telephoneNumbers }));
}

export interface RunningService {
  child: NodeChild;
  /** This service's own BullMQ and rate-limit prefix. */
  queuePrefix: string;
  baseUrl: string;
  /** Keep-alive client carrying the tenant's API key. */
  client: ReturnType<typeof createHttpClient>;
  stop(): Promise<void>;
}

/**
 * The whole service (`src/main.ts`: API + worker in one process, as `npm start` runs it) as a
 * child process on the bench database and queue prefix, so the bench's own event loop and CPU
 * stay out of its measurements.
 */
export async function startService(
  ctx: BenchContext,
  name: string,
  env: Record<string, string>,
  root?: string,
): Promise<RunningService> {
  // A prefix per service: BullMQ's limiter and the rate-limit window are counters in Redis
  // under the prefix, and one part's requests must not spend the next part's budget.
  const queuePrefix = `${ctx.queuePrefix}-${name}`;
  await assertNoOpenJobs(ctx.db.sql);
  const spawnOn = (port: number) =>
    spawnNode(
      'src/main.ts',
      {
        ...benchProcessEnv({ databaseUrl: ctx.db.url, redisUrl: ctx.config.redisUrl, queuePrefix }),
        HOST: '127.0.0.1',
        PORT: String(port),
        ...env,
      },
      root,
    );
  const { child, baseUrl } = await startListening('service', spawnOn, 60_000);
  const client = createHttpClient(baseUrl, { authorization: `Bearer ${ctx.tenant.apiKey}` });
  return {
    child,
    queuePrefix,
    baseUrl,
    client,
    async stop() {
      client.close();
      await child.stop();
    },
  };
}

/** A 500-number request answered 200 with every number moved. */
export function isFullSuccess(answer: { status: number; body: string }, count: number): boolean {
  if (answer.status !== 200) return false;
  const parsed = JSON.parse(answer.body) as { status?: string; data?: { successCount?: number } };
  return parsed.status === 'success' && parsed.data?.successCount === count;
}
