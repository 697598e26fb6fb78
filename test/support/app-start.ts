import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { buildApp } from '../../src/api/app.ts';
import { closeAppDeps, createAppDeps } from '../../src/api/create-deps.ts';
import type { AppDeps } from '../../src/api/deps.ts';
import type { Config } from '../../src/config.ts';
import type { Env } from '../../src/config-env.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { createJobMetricsObserver } from '../../src/metrics/jobs.ts';
import type { IssuerKeyTimings } from '../../src/oidc/issuer-keys.ts';
import { createOperationWorker } from '../../workers/create-worker.ts';
import { checkAnswersOf } from '../contract/checked-answers.ts';
import { testConfig } from './config.ts';
import type { TestDatabase } from './database.ts';

// How one app is started. Test files do not call this: they start their apps through
// `useApiSuite` or `useAppsDatabase` (app.ts), which also close them after the file's tests.

export interface TestApp {
  app: FastifyInstance;
  deps: AppDeps;
  config: Config;
  /** Listens on an ephemeral port (for tests that need a real socket), once; the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Also run a real worker in-process on the same database and prefix. */
  worker?: boolean;
  /** A logger of the test's own (to read its lines); else one from the config. */
  logger?: Logger;
  /** One registry for the app and the worker's job metrics, as `npm start` has. */
  metricsRegistry?: Registry;
  /** Shorter OIDC key refresh timings, so a refresh can be watched without waiting 30 s. */
  oidcKeyTimings?: Partial<IssuerKeyTimings>;
}

/** The real API (real deps, own database and queue prefix), ready for `inject` or `listen`. */
export async function startTestApp(
  database: TestDatabase,
  prefix: string,
  overrides: Partial<Record<keyof Env, string>> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  return startAppWithConfig(testConfig(database.url, prefix, overrides), options);
}

/** The same, for a config the test built itself. */
export async function startAppWithConfig(
  config: Config,
  options: TestAppOptions = {},
): Promise<TestApp> {
  const logger = options.logger ?? createLogger(config);
  const registry = options.metricsRegistry;
  const deps = {
    ...(await createAppDeps(config, logger, options.oidcKeyTimings)),
    metricsRegistry: registry,
  };
  const app = await buildApp(deps);
  await app.ready();
  const observer = registry && createJobMetricsObserver(registry);
  const worker = options.worker
    ? await createOperationWorker({
        config,
        db: deps.db,
        logger,
        observer,
        metricsRegistry: registry,
        recoveryIntervalMs: 0,
      })
    : undefined;
  let listening: Promise<string> | undefined;
  let closing: Promise<void> | undefined;
  // Every answer a test gets from `inject` is checked against the app's OpenAPI document.
  checkAnswersOf(app);
  return {
    app,
    deps,
    config,
    listen() {
      listening ??= app.listen({ host: '127.0.0.1', port: 0 });
      return listening;
    },
    // Once, however often it is called: by a test that closes early, then after the file.
    close() {
      closing ??= (async () => {
        await worker?.close();
        await app.close();
        await closeAppDeps(deps);
      })();
      return closing;
    },
  };
}
