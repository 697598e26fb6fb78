import type { Config } from '../../src/config.ts';
import type { Env } from '../../src/config-env.ts';
import { generateApiKey } from '../../src/keys/api-key.ts';
import {
  startAppWithConfig,
  startTestApp,
  type TestApp,
  type TestAppOptions,
} from './app-start.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { createMarkedNumbers, createTenant } from './factories.ts';
import { forTheFile } from './for-the-file.ts';
import { deletePrefix, uniquePrefix } from './redis.ts';

export type { TestApp, TestAppOptions } from './app-start.ts';

type Overrides = Partial<Record<keyof Env, string>>;

export type Tenant = Awaited<ReturnType<typeof createTenant>>;

/** The Authorization header of a key. */
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** A Basic Authorization value (the admin pages' password). */
export const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A well-formed API key that no database knows. */
export const randomKey = () => generateApiKey().key;

/**
 * One database of its own with the apps started on it: a queue prefix per app
 * (`prefix(label)`), `app(prefix, env?, options?)` to start the real API on them
 * (`appWithConfig` for a config the test built, e.g. on a proxied database URL). `close()`
 * closes every app still open, drops the database and deletes the prefixes.
 */
export async function openAppsDatabase() {
  const prefixes: string[] = [];
  const apps: TestApp[] = [];
  const database = await createTestDatabase();
  const started = async (starting: Promise<TestApp>) => {
    const app = await starting;
    apps.push(app);
    return app;
  };
  return {
    ...database,
    prefix(label: string) {
      const prefix = uniquePrefix(label);
      prefixes.push(prefix);
      return prefix;
    },
    app(prefix: string, overrides: Overrides = {}, options: TestAppOptions = {}) {
      return started(startTestApp(database, prefix, overrides, options));
    },
    appWithConfig(config: Config, options: TestAppOptions = {}) {
      return started(startAppWithConfig(config, options));
    },
    async close() {
      for (const app of apps.reverse()) await app.close();
      await database.drop();
      await Promise.all(prefixes.map(deletePrefix));
    },
  };
}

export type AppsDatabase = Awaited<ReturnType<typeof openAppsDatabase>>;

/**
 * `openAppsDatabase` for a whole file (the one way a test file starts apps of its own):
 * opened before its tests, closed after them. `prefix` works from the start, apps from
 * `beforeAll` on.
 */
export function useAppsDatabase(): AppsDatabase {
  const prefixes: string[] = [];
  return forTheFile(
    openAppsDatabase,
    async (opened) => {
      await opened.close();
      await Promise.all(prefixes.map(deletePrefix));
    },
    {
      // Labels taken at load time, before the database exists; deleted after the file.
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
 * What most API test files start from, for the whole file: their own database, the real app
 * on it (with an in-process worker unless `worker: false`) and one tenant with its key. The
 * handle carries what most API tests do: make marked numbers of the tenant, POST or GET as it,
 * and start another app on the same database (`app(label, env?, options?)`, own queue prefix).
 */
export function useApiSuite(
  label: string,
  overrides: Overrides = {},
  options: TestAppOptions = { worker: true },
) {
  const t = useAppsDatabase();
  const prefix = t.prefix(label);
  const suite: ApiSuite & ApiSuiteHelpers = forTheFile(
    async () => {
      const api = await t.app(prefix, overrides, options);
      const tenant = await createTenant(t.db);
      return { t, api, tenant, auth: bearer(tenant.apiKey.key) };
    },
    async () => {}, // closed with the database (useAppsDatabase)
    {
      marked: (count: number) => createMarkedNumbers(suite.t.db, suite.tenant, count),
      post: (url: string, body: unknown, headers: Record<string, string> = {}) =>
        postJson(suite.api, suite.auth, url, body, headers),
      get: (url: string, headers: Record<string, string> = {}) =>
        suite.api.app.inject({ method: 'GET', url, headers: { ...suite.auth, ...headers } }),
      app: (appLabel: string, env: Overrides = {}, appOptions: TestAppOptions = {}) =>
        t.app(t.prefix(appLabel), env, appOptions),
    },
  );
  return suite;
}

interface ApiSuiteHelpers {
  marked(count: number): Promise<string[]>;
  post(url: string, body: unknown, headers?: Record<string, string>): ReturnType<typeof postJson>;
  get(url: string, headers?: Record<string, string>): ReturnType<typeof postJson>;
  app(label: string, env?: Overrides, options?: TestAppOptions): Promise<TestApp>;
}
