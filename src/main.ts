import { randomBytes } from 'node:crypto';
import { createOperationWorker } from '../workers/create-worker.ts';
import { buildApp } from './api/app.ts';
import { closeAppDeps, createAppDeps } from './api/create-deps.ts';
import type { Config } from './config.ts';
import { closeDb, createDb } from './db/client.ts';
import {
  closeOnSignals,
  exitOnStartFailure,
  loadConfigOrExit,
  migrateOnStart,
} from './lifecycle.ts';
import { createLogger, type Logger } from './logger.ts';
import { createJobMetricsObserver, createMetricsRegistry } from './metrics/index.ts';
import { assertServicesReachable } from './preflight.ts';

// `npm start`: the whole service in one process on the local defaults — creates the database
// if missing, applies migrations, then serves the API and runs a worker side by side.
// `npm run start:api` and `npm run start:worker` run the halves separately, for scaling out.

/**
 * Bull Board is never served without credentials. A development start without configured
 * ones gets a one-time pair, printed once and valid for this process only.
 */
function withDevBoardCredentials(config: Config, logger: Logger): Config {
  if (config.bullBoard || config.env === 'production') return config;
  const bullBoard = { user: 'admin', password: randomBytes(18).toString('base64url') };
  logger.warn(
    { bullBoardUser: bullBoard.user },
    'no BULL_BOARD_USER/BULL_BOARD_PASSWORD configured: generated one-time Bull Board credentials',
  );
  process.stderr.write(
    `\nBull Board: http://${config.host}:${config.port}/admin/queues  user: ${bullBoard.user}  password: ${bullBoard.password}\n` +
      '(one-time credentials for this run; set BULL_BOARD_USER and BULL_BOARD_PASSWORD to choose your own)\n\n',
  );
  return Object.freeze({ ...config, bullBoard });
}

async function main(): Promise<void> {
  const baseConfig = loadConfigOrExit();
  const logger = createLogger(baseConfig, 'oc-numbers');
  await assertServicesReachable(baseConfig);
  const config = withDevBoardCredentials(baseConfig, logger);
  await migrateOnStart(config, logger);

  const metricsRegistry = createMetricsRegistry();
  const deps = { ...(await createAppDeps(config, logger)), metricsRegistry };
  const workerDb = createDb(config.databaseUrl, {
    poolMax: config.worker.concurrency + 2,
    applicationName: 'oc-numbers-worker',
    prepare: config.databasePrepare,
  });
  const worker = await createOperationWorker({
    config,
    db: workerDb,
    logger,
    observer: createJobMetricsObserver(metricsRegistry),
  });
  const app = await buildApp(deps);
  await app.listen({ host: config.host, port: config.port });

  // Stop taking requests first, then let the worker finish or checkpoint its chunk.
  closeOnSignals(logger, config.shutdownTimeoutMs + 5000, async () => {
    await app.close();
    await worker.close();
    await Promise.allSettled([closeAppDeps(deps), closeDb(workerDb)]);
  });
}

main().catch(exitOnStartFailure('oc-numbers'));
