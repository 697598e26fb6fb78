import type { FastifyInstance } from 'fastify';
import type { Sql } from '../../db/client.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem } from '../problem.ts';

const CHECK_TIMEOUT_MS = 2000;

/**
 * `/health/live`: the process answers (restart it if not). `/health/ready`: Postgres and Redis
 * both answer within 2 s (route traffic to it only then); otherwise 503 problem details naming
 * what is down. Both unauthenticated and unthrottled: orchestrators call them.
 */
export function registerHealth(app: FastifyInstance, deps: Pick<AppDeps, 'db' | 'redis'>): void {
  app.get('/health/live', async () => ({ status: 'ok' }));

  app.get('/health/ready', async () => {
    const [postgres, redis] = await Promise.all([
      probe(() => selectOne(deps.db.$client)),
      probe(() => deps.redis.ping()),
    ]);
    const checks = { postgres, redis };
    const down = Object.entries(checks)
      .filter(([, state]) => state === 'down')
      .map(([name]) => name);
    if (down.length === 0) return { status: 'ok', checks };
    throw new HttpProblem(
      503,
      'SERVICE_UNAVAILABLE',
      `Not ready: ${down.join(' and ')} unreachable`,
      {
        extensions: { checks },
        headers: { 'retry-after': '5' },
      },
    );
  });
}

async function selectOne(sql: Sql): Promise<void> {
  await sql`select 1`;
}

async function probe(check: () => Promise<unknown>): Promise<'up' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'down'>((resolve) => {
    timer = setTimeout(() => resolve('down'), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      check().then(
        () => 'up' as const,
        () => 'down' as const,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
