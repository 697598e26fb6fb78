import type { Config } from '../../src/config.ts';
import type { Database } from '../../src/db/client.ts';
import { createLogger } from '../../src/logger.ts';
import { createOperationWorker, type WorkerDeps } from '../../workers/create-worker.ts';

/**
 * The real operation worker on `db`, without the periodic recovery sweep: a test that is about
 * recovery starts its worker with its own interval instead.
 */
export function startTestWorker(
  config: Config,
  db: Database,
  logger: WorkerDeps['logger'] = createLogger(config),
) {
  return createOperationWorker({ config, db, logger, recoveryIntervalMs: 0 });
}
