import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { buildApp } from '../../src/api/app.ts';
import { closeAppDeps, createAppDeps } from '../../src/api/create-deps.ts';
import type { AppDeps } from '../../src/api/deps.ts';
import type { Config } from '../../src/config.ts';
import type { Env } from '../../src/config-env.ts';
import { generateApiKey } from '../../src/keys/api-key.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { createJobMetricsObserver } from '../../src/metrics/jobs.ts';
import type { IssuerKeyTimings } from '../../src/oidc/issuer-keys.ts';
import { createOperationWorker } from '../../workers/create-worker.ts';
import { checkAnswersOf } from '../contract/checked-answers.ts';
import { testConfig } from './config.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { createMarkedNumbers, createTenant } from './factories.ts';
import { forTheFile } from './for-the-file.ts';
import { deletePrefix, uniquePrefix } from './redis.ts';

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
    async close() {
      await worker?.close();
      await app.close();
      await closeAppDeps(deps);
    },
  };
}

export type Tenant = Awaited<ReturnType<typeof createTenant>>;

/** The Authorization header of a key. */
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** A Basic Authorization value (the admin pages' password). */
export const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A well-formed API key that no database knows. */
export const randomKey = () => generateApiKey().key;

/**
 * For a file that starts several apps of its own: one database for all of them, and a queue
 * prefix per app (`t.prefix(label)`), every one deleted after the file's tests.
 */
export function useAppsDatabase() {
  const prefixes: string[] = [];
  return forTheFile(
    createTestDatabase,
    async (t) => {
      await t.drop();
      await Promise.all(prefixes.map(deletePrefix));
    },
    {
      prefix(label: string) {
        const prefix = uniquePrefix(label);
        prefixes.push(prefix);
        return prefix;
      },
    },
  );
}

export interface ApiSuite {
  t: TestDatabase;
  api: TestApp;
  tenant: Tenant;
  auth: { authorization: string };
}

/**
 * What most API test files start from: their own database, the real app on it (with an
 * in-process worker unless `worker: false`) and one tenant with its key. Close with
 * `closeApiSuite`.
 */
export async function openApiSuite(
  prefix: string,
  overrides: Partial<Record<keyof Env, string>> = {},
  options: TestAppOptions = { worker: true },
): Promise<ApiSuite> {
  const t = await createTestDatabase();
  const api = await startTestApp(t, prefix, overrides, options);
  const tenant = await createTenant(t.db);
  return { t, api, tenant, auth: bearer(tenant.apiKey.key) };
}

export async function closeApiSuite(
  suite: { t?: TestDatabase; api?: TestApp },
  ...prefixes: string[]
): Promise<void> {
  await suite.api?.close();
  await suite.t?.drop();
  for (const prefix of prefixes) await deletePrefix(prefix);
}

/** POSTs a JSON body to the app with the given Authorization (and any other headers). */
export function postJson(
  api: TestApp,
  auth: { authorization: string },
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return api.app.inject({
    method: 'POST',
    url,
    headers: { ...auth, ...headers },
    payload: body as object,
  });
}

/**
 * `openApiSuite` for a whole file: opened before its tests, closed after them. The handle
 * carries what most API tests do: make marked numbers of the tenant, and POST or GET as it.
 */
export function useApiSuite(
  label: string,
  overrides: Partial<Record<keyof Env, string>> = {},
  options: TestAppOptions = { worker: true },
) {
  const prefix = uniquePrefix(label);
  const suite: ApiSuite & ApiSuiteHelpers = forTheFile(
    () => openApiSuite(prefix, overrides, options),
    (opened) => closeApiSuite(opened, prefix),
    {
      marked: (count: number) => createMarkedNumbers(suite.t.db, suite.tenant, count),
      post: (url: string, body: unknown, headers: Record<string, string> = {}) =>
        postJson(suite.api, suite.auth, url, body, headers),
      get: (url: string, headers: Record<string, string> = {}) =>
        suite.api.app.inject({ method: 'GET', url, headers: { ...suite.auth, ...headers } }),
    },
  );
  return suite;
}

interface ApiSuiteHelpers {
  marked(count: number): Promise<string[]>;
  post(url: string, body: unknown, headers?: Record<string, string>): ReturnType<typeof postJson>;
  get(url: string, headers?: Record<string, string>): ReturnType<typeof postJson>;
}
