import { type ParsedEnv, parseEnv } from './config-env.ts';
import { oidcConfig, oidcProblems } from './config-oidc.ts';
import { workerLimiter, workerLimiterProblem } from './config-worker-limiter.ts';
import { redisTarget, scaleOutProblems } from './queue/redis-target.ts';

// The only module that reads process.env: the variables (src/config-env.ts) checked together
// and shaped into the typed, frozen config the rest of the service is given.

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

function toConfig(env: ParsedEnv) {
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    databasePoolMax: env.DATABASE_POOL_MAX,
    redisUrl: env.REDIS_URL,
    queuePrefix: env.QUEUE_PREFIX,
    logLevel: env.LOG_LEVEL,
    trustProxy: env.TRUST_PROXY,
    phoneValidation: env.PHONE_VALIDATION,
    syncWaitMs: env.SYNC_WAIT_MS,
    rateLimit: {
      max: env.RATE_LIMIT_MAX,
      operatorMax: env.RATE_LIMIT_OPERATOR_MAX ?? env.RATE_LIMIT_MAX,
      windowMs: env.RATE_LIMIT_WINDOW_MS,
    },
    authFailureLimitMax: env.AUTH_FAILURE_LIMIT_MAX,
    readRateLimit: {
      operatorMax: env.READ_RATE_LIMIT_OPERATOR_MAX,
      windowMs: env.READ_RATE_LIMIT_WINDOW_MS,
    },
    exports: {
      perOperatorMax: env.EXPORTS_PER_OPERATOR_MAX,
      deadlineMs: env.EXPORT_DEADLINE_MS,
      minBytesPerS: env.EXPORT_MIN_BYTES_PER_S,
      rateWindowMs: env.EXPORT_RATE_WINDOW_MS,
    },
    idempotencyTtlMs: env.IDEMPOTENCY_TTL_MS ?? env.IDEMPOTENCY_KEY_TTL_HOURS * 60 * 60 * 1000,
    retention: {
      jobRetentionDays: env.JOB_RETENTION_DAYS,
      maintenanceIntervalMs: env.MAINTENANCE_INTERVAL_MS,
      batchJobs: env.RETENTION_BATCH_JOBS,
      jobsPerSecond: env.RETENTION_JOBS_PER_SECOND,
    },
    worker: {
      concurrency: env.WORKER_CONCURRENCY,
      limiter: workerLimiter(env),
      chunkSize: env.WORKER_CHUNK_SIZE,
      lockDurationMs: env.WORKER_LOCK_DURATION_MS,
      stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS,
      maxStalledCount: env.WORKER_MAX_STALLED_COUNT,
      attempts: env.WORKER_ATTEMPTS,
      testChunkGate: env.WORKER_TEST_CHUNK_GATE,
      recoveryIntervalMs: env.RECOVERY_INTERVAL_MS,
      recoveryMinAgeMs: env.RECOVERY_MIN_AGE_MS,
    },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    http: {
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      connectionTimeoutMs: env.HTTP_CONNECTION_TIMEOUT_MS,
    },
    workerMetricsPort: env.WORKER_METRICS_PORT,
    /** What a worker-only process (workers/main.ts) serves; the one-process service serves both. */
    workerQueues: env.WORKER_QUEUES,
    console: {
      sessionIdleMs: env.CONSOLE_SESSION_IDLE_MS,
      sessionMaxMs: env.CONSOLE_SESSION_MAX_MS,
    },
    bullBoard:
      env.BULL_BOARD_USER && env.BULL_BOARD_PASSWORD
        ? { user: env.BULL_BOARD_USER, password: env.BULL_BOARD_PASSWORD }
        : undefined,
    redis: redisTarget(env),
    /** false behind PgBouncer < 1.21 in transaction mode: no named prepared statements. */
    databasePrepare: env.DATABASE_PREPARE,
    /** false where migrations run as their own step (`npm run db:migrate`). */
    migrateOnStart: env.MIGRATE_ON_START,
    webhooks: {
      allowPrivateTargets: env.WEBHOOK_ALLOW_PRIVATE_TARGETS,
      concurrency: env.WEBHOOK_DELIVERY_CONCURRENCY,
      perEndpoint: env.WEBHOOK_ENDPOINT_CONCURRENCY,
      relayIntervalMs: env.WEBHOOK_RELAY_INTERVAL_MS,
    },
    migrate: {
      lockTimeoutMs: env.MIGRATE_LOCK_TIMEOUT_MS,
      concurrentlyLockTimeoutMs: env.MIGRATE_CONCURRENTLY_LOCK_TIMEOUT_MS,
      lockRetries: env.MIGRATE_LOCK_RETRIES,
    },
    /** Undefined when no OIDC issuer is configured: API keys only. */
    oidc: oidcConfig(env),
  };
}

export type Config = Readonly<ReturnType<typeof toConfig>>;

/** Parses the environment; throws a ConfigError naming every bad variable at once. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = parseEnv(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const problems: string[] = scaleOutProblems(parsed.data);
  const { BULL_BOARD_USER: user, BULL_BOARD_PASSWORD: password } = parsed.data;
  if ((user === undefined) !== (password === undefined)) {
    problems.push('BULL_BOARD_USER and BULL_BOARD_PASSWORD must be set together');
  }
  problems.push(...httpTimeoutProblems(parsed.data));
  problems.push(...oidcProblems(parsed.data));
  if (parsed.data.CONSOLE_SESSION_IDLE_MS > parsed.data.CONSOLE_SESSION_MAX_MS) {
    problems.push('CONSOLE_SESSION_IDLE_MS must not exceed CONSOLE_SESSION_MAX_MS');
  }
  if (parsed.data.WORKER_TEST_CHUNK_GATE && parsed.data.NODE_ENV !== 'test') {
    problems.push('WORKER_TEST_CHUNK_GATE is for tests only: it needs NODE_ENV=test');
  }
  const limiterProblem = workerLimiterProblem(parsed.data);
  if (limiterProblem) problems.push(limiterProblem);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(toConfig(parsed.data));
}

/** Node refuses a headers timeout over the request timeout; a socket timeout must outlast a wait. */
function httpTimeoutProblems(env: ParsedEnv): string[] {
  const problems: string[] = [];
  if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
    problems.push('HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS');
  }
  if (env.HTTP_CONNECTION_TIMEOUT_MS !== 0 && env.HTTP_CONNECTION_TIMEOUT_MS <= env.SYNC_WAIT_MS) {
    problems.push(
      'HTTP_CONNECTION_TIMEOUT_MS must be 0 (off) or longer than SYNC_WAIT_MS: a synchronous request is silent while it waits',
    );
  }
  return problems;
}
