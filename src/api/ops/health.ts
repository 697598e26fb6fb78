import type { FastifyInstance } from 'fastify';
import type { Sql } from '../../db/client.ts';
import type { AppDeps } from '../deps.ts';
import { HttpProblem } from '../http/problem.ts';
import { livenessSchema, readinessSchema } from './ops-schemas.ts';

const CHECK_TIMEOUT_MS = 2000;

/**
 * `/health/live`: the process answers (restart it if not). `/health/ready`: Postgres and Redis
 * both answer within 2 s and Postgres takes writes (route traffic to it only then); otherwise
 * 503 problem details naming what is down. A read-only Postgres (a standby after a failover, or
 * `default_transaction_read_only`) is not ready: it would refuse every new job (503). Both
 * unauthenticated and unthrottled: orchestrators call them.
 */
export function registerHealth(app: FastifyInstance, deps: Pick<AppDeps, 'db' | 'redis'>): void {
  app.get('/health/live', { schema: livenessSchema }, async () => ({ status: 'ok' }));

  app.get('/health/ready', { schema: readinessSchema }, async () => {
    const checks = await readinessChecks(deps);
    const unready = Object.entries(checks).filter(([, state]) => state !== 'up');
    if (unready.length === 0) return { status: 'ok', checks };
    const reasons = unready.map(([name, state]) => `${name} ${REASONS[state]}`);
    throw new HttpProblem(503, 'SERVICE_UNAVAILABLE', `Not ready: ${reasons.join(' and ')}`, {
      extensions: { checks },
      headers: { 'retry-after': '5' },
    });
  });
}

/** The checks behind `/health/ready` (also read by the `ocn_ready` gauge at scrape time). */
export async function readinessChecks(
  deps: Pick<AppDeps, 'db' | 'redis'>,
): Promise<Record<'postgres' | 'redis', CheckState>> {
  const [postgres, redis] = await Promise.all([
    // The probe asks the pool itself, no domain: the one statement a route sends directly.
    probe(() => postgresState(deps.db.$client)),
    probe(async () => {
      await deps.redis.ping();
      return 'up' as const;
    }),
  ]);
  return { postgres, redis };
}

export type CheckState = 'up' | 'down' | 'read-only';

const REASONS: Record<CheckState, string> = {
  up: 'up',
  down: 'unreachable',
  'read-only': 'read-only',
};

/** 'read-only' when a new transaction could not write (standby, or read-only by default). */
async function postgresState(sql: Sql): Promise<CheckState> {
  const [row] = await sql<{ readOnly: string }[]>`
    select current_setting('transaction_read_only') as "readOnly"`;
  return row?.readOnly === 'on' ? 'read-only' : 'up';
}

async function probe(check: () => Promise<CheckState>): Promise<CheckState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'down'>((resolve) => {
    timer = setTimeout(() => resolve('down'), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().catch(() => 'down' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
