import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import { closeAppDeps, createAppDeps } from '../../src/api/create-deps.ts';
import type { AppDeps } from '../../src/api/deps.ts';
import type { Config, Env } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { testConfig } from './config.ts';
import type { TestDatabase } from './database.ts';

export interface TestApp {
  app: FastifyInstance;
  deps: AppDeps;
  config: Config;
  close(): Promise<void>;
}

/** The real API (real deps, own database and queue prefix), ready for `inject` or `listen`. */
export async function startTestApp(
  database: TestDatabase,
  prefix: string,
  overrides: Partial<Record<keyof Env, string>> = {},
): Promise<TestApp> {
  const config = testConfig(database.url, prefix, overrides);
  const logger = createLogger(config);
  const deps = await createAppDeps(config, logger);
  const app = await buildApp(deps);
  await app.ready();
  return {
    app,
    deps,
    config,
    async close() {
      await app.close();
      await closeAppDeps(deps);
    },
  };
}
