import { ConfigError, loadConfig } from '../config.ts';
import { prepareDatabase } from '../db/migrate.ts';
import { createLogger } from '../logger.ts';
import { buildApp } from './app.ts';
import { closeAppDeps, createAppDeps } from './create-deps.ts';

// `npm run start:api`: the API alone (scale it out next to `npm run start:worker`).

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
  const logger = createLogger(config, 'oc-numbers-api');
  await prepareDatabase(config.databaseUrl);
  const deps = await createAppDeps(config, logger);
  const app = await buildApp(deps);
  await app.listen({ host: config.host, port: config.port });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    await app.close();
    await closeAppDeps(deps);
    clearTimeout(deadline);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('oc-numbers-api failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
