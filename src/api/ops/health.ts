import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Sql } from '../../db/client.ts';
import type { AppDeps } from '../deps.ts';
import { everyRouteProblems, problem } from '../openapi-problems.ts';
import { HttpProblem } from '../problem.ts';

const CHECK_TIMEOUT_MS = 2000;

/**
 * `/health/live`: the process answers (restart it if not). `/health/ready`: Postgres and Redis
 * both answer within 2 s and Postgres takes writes (route traffic to it only then); otherwise
 * 503 problem details naming what is down. A read-only Postgres (a standby after a failover, or
 * `default_transaction_read_only`) is not ready: it would refuse every new job (503). Both
 * unauthenticated and unthrottled: orchestrators call them.
 */
export function registerHealth(app: FastifyInstance, deps: Pick<AppDeps, 'db' | 'redis'>): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/health/live',
    {
      schema: {
        ...common,
        operationId: 'getLiveness',
        summary: 'The process answers (restart it if not)',
        response: {
          200: LivenessSchema,
          ...everyRouteProblems(),
          503: problem(503, { description: 'SERVICE_UNAVAILABLE: the instance is shutting down' }),
        },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  api.get('/health/ready', { schema: readinessSchema }, async () => {
    const [postgres, redis] = await Promise.all([
      probe(() => postgresState(deps.db.$client)),
      probe(async () => {
        await deps.redis.ping();
        return 'up' as const;
      }),
    ]);
    const checks = { postgres, redis };
    const unready = Object.entries(checks).filter(([, state]) => state !== 'up');
    if (postgres === 'up' && redis === 'up') {
      return { status: 'ok' as const, checks: { postgres, redis } };
    }
    const reasons = unready.map(([name, state]) => `${name} ${REASONS[state]}`);
    throw new HttpProblem(503, 'SERVICE_UNAVAILABLE', `Not ready: ${reasons.join(' and ')}`, {
      extensions: { checks },
      headers: { 'retry-after': '5' },
    });
  });
}

const CHECK_STATES = ['up', 'down', 'read-only'] as const;
type CheckState = (typeof CHECK_STATES)[number];

// Unauthenticated (`security: []`) and unthrottled: orchestrators call them.
const common = { tags: ['operations'], security: [] };

const LivenessSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Liveness' });
const ReadinessSchema = z
  .object({
    status: z.literal('ok'),
    checks: z.object({ postgres: z.literal('up'), redis: z.literal('up') }),
  })
  .meta({ id: 'Readiness' });

const readinessSchema = {
  ...common,
  operationId: 'getReadiness',
  summary: 'Postgres and Redis answer within 2 s and Postgres takes writes (route traffic here)',
  response: {
    200: ReadinessSchema,
    ...everyRouteProblems(),
    503: problem(
      503,
      {
        description:
          'SERVICE_UNAVAILABLE: not ready; `checks` says what is down. Or the instance is shutting down (no `checks`)',
      },
      {
        checks: z
          .object({ postgres: z.enum(CHECK_STATES), redis: z.enum(CHECK_STATES) })
          .optional(),
      },
    ),
  },
};

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
