// Entry point of a worker-only process (`npm run start:worker`): any number of these may run
// next to any number of API processes, sharing one Redis and one Postgres.
import { type Config, ConfigError, loadConfig } from '../src/config.ts';
import { createDb } from '../src/db/client.ts';
import { prepareDatabase } from '../src/db/migrate.ts';
import { createLogger } from '../src/logger.ts';
import {
  createJobMetricsObserver,
  createMetricsRegistry,
  type MetricsServer,
  startMetricsServer,
} from '../src/metrics/index.ts';
import { createReadyForRemovalWorker } from './create-worker.ts';
import { RedisPolicyError } from './redis-policy.ts';

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger(config, 'oc-numbers-worker');
  await prepareDatabase(config.databaseUrl);
  const db = createDb(config.databaseUrl, {
    poolMax: config.databasePoolMax,
    applicationName: 'oc-numbers-worker',
  });
  // This process's own job metrics, served on WORKER_METRICS_PORT when set (docs/operations.md).
  const registry = createMetricsRegistry();
  let running: Awaited<ReturnType<typeof createReadyForRemovalWorker>>;
  try {
    running = await createReadyForRemovalWorker({
      config,
      db,
      logger,
      observer: createJobMetricsObserver(registry),
    });
  } catch (err) {
    await db.close();
    if (err instanceof RedisPolicyError) {
      logger.fatal(err.message);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
  let metrics: MetricsServer | undefined;
  if (config.workerMetricsPort) {
    metrics = await startMetricsServer(registry, {
      port: config.workerMetricsPort,
      host: config.host,
    });
    logger.info({ port: metrics.port }, 'worker metrics and liveness served');
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Last resort if a close hangs (e.g. Redis unreachable): never outlive the deadline by much.
    setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 5000).unref();
    await running.close();
    await metrics?.close();
    await db.close();
    logger.info('worker stopped');
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `worker failed to start: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
});
