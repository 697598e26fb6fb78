// Entry point of a worker-only process (`npm run start:worker`): any number of these may run
// next to any number of API processes, sharing one Redis and one Postgres.
import { closeDb, createDb } from '../src/db/client.ts';
import {
  closeOnSignals,
  exitOnStartFailure,
  loadConfigOrExit,
  migrateOnStart,
} from '../src/lifecycle.ts';
import { createLogger } from '../src/logger.ts';
import {
  createJobMetricsObserver,
  createMetricsRegistry,
  type MetricsServer,
  startMetricsServer,
} from '../src/metrics/index.ts';
import { assertServicesReachable } from '../src/preflight.ts';
import { RedisPolicyError } from './redis-policy.ts';
import { serveQueues } from './serve-queues.ts';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config, 'oc-numbers-worker');
  await assertServicesReachable(config);
  await migrateOnStart(config, logger);
  const db = createDb(config.databaseUrl, {
    poolMax: config.databasePoolMax,
    applicationName: 'oc-numbers-worker',
    prepare: config.databasePrepare,
  });
  // This process's own job metrics, served on WORKER_METRICS_PORT when set (docs/operations.md, "Metrics").
  const registry = createMetricsRegistry();
  let running: Awaited<ReturnType<typeof serveQueues>>;
  try {
    running = await serveQueues({
      config,
      db,
      logger,
      observer: createJobMetricsObserver(registry),
      metricsRegistry: registry,
    });
  } catch (err) {
    await closeDb(db);
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

  // Past the deadline the worker closes by force; a little slack for that before giving up.
  closeOnSignals(logger, config.shutdownTimeoutMs + 5000, async () => {
    await running.close();
    await metrics?.close();
    await closeDb(db);
  });
}

main().catch(exitOnStartFailure('oc-numbers-worker'));
