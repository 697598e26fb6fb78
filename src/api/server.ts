import {
  closeOnSignals,
  exitOnStartFailure,
  loadConfigOrExit,
  migrateOnStart,
} from '../lifecycle.ts';
import { createLogger } from '../logger.ts';
import { assertServicesReachable } from '../preflight.ts';
import { buildApp } from './app.ts';
import { closeAppDeps, createAppDeps } from './create-deps.ts';

// `npm run start:api`: the API alone (scale it out next to `npm run start:worker`).

async function main() {
  const config = loadConfigOrExit();
  const logger = createLogger(config, 'oc-numbers-api');
  await assertServicesReachable(config);
  await migrateOnStart(config, logger);
  const deps = await createAppDeps(config, logger);
  const app = await buildApp(deps);
  await app.listen({ host: config.host, port: config.port });

  closeOnSignals(logger, config.shutdownTimeoutMs, async () => {
    await app.close();
    await closeAppDeps(deps);
  });
}

main().catch(exitOnStartFailure('oc-numbers-api'));
