import { z } from 'zod';
import { oidcEnv } from './config-oidc.ts';
import { TrustProxy } from './config-trust-proxy.ts';
import { MIGRATE_DEFAULTS } from './db/migrations/defaults.ts';
import { DECIMAL_DIGITS } from './domain/limits.ts';

// Every environment variable the service reads, with its type, range and default: the one
// schema behind src/config.ts (which shapes it into the typed config) and the configuration
// table in docs/operations.md. Every setting carries its unit in its name.

// Plain decimal digits only: Number() would also read '1e3', '0x10' or ' ' (as 0).
const wholeNumber = z
  .string()
  .trim()
  .regex(DECIMAL_DIGITS, 'must be a whole number of decimal digits')
  .transform(Number);
const int = (min: number, fallback: number) =>
  wholeNumber.pipe(z.number().int().min(min)).default(fallback);
const optionalInt = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  wholeNumber.pipe(z.number().int().min(min).max(max)).optional();
// Empty values never get here (parseEnv drops them: empty means unset).
const optionalText = z.string().optional();

/** The queues a worker process can serve (WORKER_QUEUES). */
export const WORKER_QUEUE_NAMES = ['operations', 'webhooks'] as const;

const bool = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false'])
    .default(fallback)
    .transform((v) => v === 'true');
/** `host:port,host:port` (empty = unset). */
const hostPortList = optionalText.pipe(
  z
    .string()
    .regex(/^[^\s:,]+:\d{1,5}(,[^\s:,]+:\d{1,5})*$/, 'expected host:port,host:port')
    .transform((v) =>
      v.split(',').map((pair) => {
        const [host = '', port = ''] = pair.split(':');
        return { host, port: Number(port) };
      }),
    )
    .optional(),
);

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 3000).pipe(z.number().max(65535)),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .default('postgres://postgres@127.0.0.1:5432/oc_numbers'),
  DATABASE_POOL_MAX: int(1, 10),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  // A `{tag}` part (e.g. `{ocn}`) puts every key of the queue in one Redis Cluster slot.
  QUEUE_PREFIX: z
    .string()
    .regex(
      /^[a-zA-Z0-9_-]*(\{[a-zA-Z0-9_-]+\})?[a-zA-Z0-9_-]*$/,
      'letters, digits, _ and -, with at most one {hash-tag}',
    )
    .min(1)
    .default('ocn'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: TrustProxy,
  PHONE_VALIDATION: z.enum(['possible', 'valid']).default('possible'),
  SYNC_WAIT_MS: int(0, 30_000),
  RATE_LIMIT_MAX: int(1, 300),
  RATE_LIMIT_WINDOW_MS: int(1, 60_000),
  // Each operator's share of an operation endpoint's budget; unset = the whole budget (no cap).
  RATE_LIMIT_OPERATOR_MAX: optionalInt(1),
  AUTH_FAILURE_LIMIT_MAX: int(1, 30),
  // Each operator's budget of read requests (jobs, items, the inventory reads, CSV exports).
  READ_RATE_LIMIT_OPERATOR_MAX: int(1, 1200),
  READ_RATE_LIMIT_WINDOW_MS: int(1, 60_000),
  // CSV exports of the number list (docs/operations.md, "CSV exports"): at once per operator
  // on one instance, the longest download, and the slowest transfer (0: no minimum) measured
  // over each rate window.
  EXPORTS_PER_OPERATOR_MAX: int(1, 1),
  EXPORT_DEADLINE_MS: int(1000, 1_800_000),
  EXPORT_MIN_BYTES_PER_S: int(0, 16_384),
  EXPORT_RATE_WINDOW_MS: int(100, 10_000),
  // Retention (docs/operations.md, "Retention"). IDEMPOTENCY_TTL_MS, when set, overrides the
  // hours (the setting it was before).
  IDEMPOTENCY_KEY_TTL_HOURS: int(1, 24),
  IDEMPOTENCY_TTL_MS: optionalInt(1),
  JOB_RETENTION_DAYS: int(0, 0),
  MAINTENANCE_INTERVAL_MS: int(1000, 15 * 60 * 1000),
  RETENTION_BATCH_JOBS: int(1, 5).pipe(z.number().max(1000)),
  // Retention's pace: ended jobs deleted per second at most (workers/maintenance.ts).
  RETENTION_JOBS_PER_SECOND: int(1, 20).pipe(z.number().max(10_000)),
  WORKER_CONCURRENCY: int(1, 4),
  // Unset: sized from the API budgets (see config-worker-limiter.ts).
  WORKER_LIMITER_MAX: optionalInt(1),
  WORKER_LIMITER_DURATION_MS: optionalInt(1),
  WORKER_CHUNK_SIZE: int(1, 250).pipe(z.number().max(500)),
  WORKER_LOCK_DURATION_MS: int(1000, 30_000),
  WORKER_STALLED_INTERVAL_MS: int(1000, 30_000),
  WORKER_MAX_STALLED_COUNT: int(0, 5),
  WORKER_ATTEMPTS: int(1, 10),
  // Tests only (refused unless NODE_ENV=test, src/config.ts): the worker waits on an advisory
  // lock between two chunks, so a test holding it stops a job at a point outside any transaction.
  WORKER_TEST_CHUNK_GATE: bool('false'),
  // The recovery sweep (docs/reliability.md): how often, and how old a job must be to be touched.
  RECOVERY_INTERVAL_MS: int(0, 30_000),
  RECOVERY_MIN_AGE_MS: int(1000, 30_000),
  SHUTDOWN_TIMEOUT_MS: int(0, 10_000),
  // Slow and idle clients (docs/reliability.md, "Slow clients"): a connection that has not sent
  // its headers in time, or its whole request, is answered 408 and closed.
  HTTP_HEADERS_TIMEOUT_MS: int(1, 10_000),
  HTTP_REQUEST_TIMEOUT_MS: int(1, 30_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(1, 72_000),
  HTTP_CONNECTION_TIMEOUT_MS: int(0, 60_000),
  // Worker-only processes serve /metrics and /health/live on this port when set.
  WORKER_METRICS_PORT: optionalInt(1, 65535),
  // Which queues a worker-only process serves (docs/operations.md, "Webhooks"): the operation
  // jobs, the webhook deliveries, or both, so the two can be scaled apart.
  WORKER_QUEUES: z
    .string()
    .default('operations,webhooks')
    .transform((v) => [...new Set(v.split(',').map((q) => q.trim()))])
    .pipe(z.array(z.enum(WORKER_QUEUE_NAMES)).min(1)),
  // The operator console's sessions (docs/console.md): ended after this long idle, and after
  // this long in all whatever the activity. At least a minute each.
  CONSOLE_SESSION_IDLE_MS: int(60_000, 60 * 60 * 1000),
  CONSOLE_SESSION_MAX_MS: int(60_000, 8 * 60 * 60 * 1000),
  BULL_BOARD_USER: optionalText,
  BULL_BOARD_PASSWORD: optionalText,
  // Scaling out (docs/operations.md, "Scaling out"): Redis through Sentinel or as a Cluster,
  // Postgres through PgBouncer in transaction mode, migrations as their own step.
  REDIS_SENTINELS: hostPortList,
  REDIS_SENTINEL_NAME: z.string().min(1).default('mymaster'),
  REDIS_CLUSTER_NODES: hostPortList,
  MIGRATE_ON_START: bool('true'),
  // Migrations on a running service (docs/operations.md, of that name): how long a statement
  // may wait for a lock before it gives up, and how often a migration that gave up is retried.
  MIGRATE_LOCK_TIMEOUT_MS: int(1, MIGRATE_DEFAULTS.lockTimeoutMs),
  MIGRATE_CONCURRENTLY_LOCK_TIMEOUT_MS: int(1, MIGRATE_DEFAULTS.concurrentlyLockTimeoutMs),
  MIGRATE_LOCK_RETRIES: int(0, MIGRATE_DEFAULTS.lockRetries),
  DATABASE_PREPARE: bool('true'),
  // Webhooks (docs/operations.md, "Webhooks"): http and private, loopback or link-local targets
  // for closed networks and tests; attempts a worker makes at once, in all and to one endpoint;
  // how often the relay looks for messages to hand to the delivery queue.
  WEBHOOK_ALLOW_PRIVATE_TARGETS: bool('false'),
  WEBHOOK_DELIVERY_CONCURRENCY: int(1, 50),
  WEBHOOK_ENDPOINT_CONCURRENCY: int(1, 4),
  WEBHOOK_RELAY_INTERVAL_MS: int(10, 1000),
  // OpenID Connect bearer tokens beside API keys (src/config-oidc.ts).
  ...oidcEnv,
});

export type Env = z.input<typeof EnvSchema>;

/** Every environment variable the service reads (docs/operations.md has a row for each). */
export const ENV_VARIABLES = Object.keys(EnvSchema.shape) as (keyof Env)[];

/** The settings as parsed: numbers, booleans and lists, defaults filled in. */
export type ParsedEnv = z.output<typeof EnvSchema>;

/**
 * The raw typed settings. A variable that is empty (or only blanks) counts as unset, as most
 * tools treat `NAME=`: it takes the default rather than reading as 0 or "".
 */
export function parseEnv(env: Record<string, string | undefined>) {
  const given: Record<string, string> = {};
  for (const name of ENV_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') given[name] = value;
  }
  return EnvSchema.safeParse(given);
}
