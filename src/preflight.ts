import { Redis } from 'ioredis';
import postgres from 'postgres';
import type { Config } from './config.ts';

// Before a process opens its real connections: are Postgres and Redis there at all? A newcomer
// without them should read which one is missing, where it was looked for and how to get it —
// not a driver's `connect ECONNREFUSED` or a start that hangs retrying Redis.

type ServiceName = 'PostgreSQL' | 'Redis';

export interface ServiceProblem {
  service: ServiceName;
  setting: 'DATABASE_URL' | 'REDIS_URL';
  /** The URL with its password masked. */
  url: string;
  reason: string;
  /** Nothing answered at that address (as opposed to refusing us, e.g. a wrong password). */
  unreachable: boolean;
}

export class ServicesUnavailableError extends Error {
  override name = 'ServicesUnavailableError';
  readonly problems: ServiceProblem[];
  constructor(problems: ServiceProblem[]) {
    super(formatProblems(problems));
    this.problems = problems;
  }
}

const CHECK_TIMEOUT_S = 5;
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CONNECT_TIMEOUT',
]);

/** Throws a ServicesUnavailableError naming every store that does not answer. */
export async function assertServicesReachable(
  config: Pick<Config, 'databaseUrl' | 'redisUrl' | 'redis'>,
): Promise<void> {
  const problems = await Promise.all([
    pingPostgres(config.databaseUrl).then(
      () => undefined,
      (err: unknown) => toProblem('PostgreSQL', 'DATABASE_URL', config.databaseUrl, err),
    ),
    // Sentinel and Cluster setups are production topologies whose clients find their own way
    // (and wait out a failover); the newcomer's single Redis is the one worth checking here.
    config.redis.mode !== 'standalone'
      ? undefined
      : pingRedis(config.redisUrl).then(
          () => undefined,
          (err: unknown) => toProblem('Redis', 'REDIS_URL', config.redisUrl, err),
        ),
  ]);
  const found = problems.filter((p) => p !== undefined);
  if (found.length > 0) throw new ServicesUnavailableError(found);
}

async function pingPostgres(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, connect_timeout: CHECK_TIMEOUT_S, onnotice: () => {} });
  try {
    await sql`select 1`.catch((err: unknown) => {
      // The server answered; the database is created at start when it is missing.
      if ((err as { code?: string }).code !== '3D000') throw err;
    });
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function pingRedis(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CHECK_TIMEOUT_S * 1000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // With no retries, connect() rejects with a bare "Connection is closed"; the cause (e.g.
  // ECONNREFUSED) arrives as an error event just before.
  let cause: unknown;
  redis.on('error', (err) => {
    cause ??= err;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw cause ?? err;
  } finally {
    redis.disconnect();
  }
}

function toProblem(
  service: ServiceName,
  setting: ServiceProblem['setting'],
  url: string,
  err: unknown,
): ServiceProblem {
  const code = (err as { code?: unknown }).code;
  return {
    service,
    setting,
    url: maskPassword(url),
    reason: describe(err),
    unreachable: typeof code === 'string' && UNREACHABLE_CODES.has(code),
  };
}

/** Node reports a refused dual-stack connect as an AggregateError with an empty message. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.message) return err.message;
  const inner = err instanceof AggregateError ? err.errors[0] : undefined;
  if (inner instanceof Error && inner.message) return inner.message;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : err.name;
}

export function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

function formatProblems(problems: ServiceProblem[]): string {
  const lines = problems.map(
    (p) =>
      `  - ${p.service} ${p.unreachable ? 'is not reachable' : 'refused the connection'} at ${p.url} ` +
      `(set by ${p.setting}): ${p.reason}`,
  );
  const missing = problems.filter((p) => p.unreachable);
  if (missing.length > 0) {
    const names = missing.map((p) => (p.service === 'PostgreSQL' ? 'postgres' : 'redis'));
    lines.push(
      '',
      `To run ${missing.length > 1 ? 'them' : 'it'} on this machine, either:`,
      `  - with Docker: docker compose up -d ${names.join(' ')}   (published on 127.0.0.1, matching the defaults)`,
      '  - or from the OS packages (postgresql, redis-server): docs/operations.md, "Local Postgres and Redis"',
      `or point ${missing.map((p) => p.setting).join(' and ')} at running ones (see .env.example).`,
    );
  }
  return lines.join('\n');
}
