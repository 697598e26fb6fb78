import type { Env } from '../../src/config-env.ts';
import { bearer, type TestApp, useAppsDatabase } from './app.ts';
import { createMarkedNumbers, createTenant } from './factories.ts';
import { forTheFile } from './for-the-file.ts';

const ACTION = '/api/v3/oc/numbers/action/ready-for-removal';

/**
 * Two API instances on one database, for the files about jobs as resources: `idle` has no
 * worker on its queue (its jobs stay queued), `busy` runs a real worker (its jobs get
 * processed; chunks of one number unless `busyEnv` says otherwise). `auth` is the tenant's
 * key, `otherAuth` another operator's.
 */
export function useJobApps(label: string, busyEnv: Partial<Record<keyof Env, string>> = {}) {
  const t = useAppsDatabase();
  const idlePrefix = t.prefix(`${label}-idle`);
  const busyPrefix = t.prefix(`${label}-busy`);
  const apps = forTheFile(
    async () => {
      const idle = await t.app(idlePrefix);
      const busyOverrides = { WORKER_CHUNK_SIZE: '1', ...busyEnv };
      const busy = await t.app(busyPrefix, busyOverrides, { worker: true });
      const tenant = await createTenant(t.db);
      const other = await createTenant(t.db);
      return {
        t,
        idle,
        busy,
        tenant,
        auth: bearer(tenant.apiKey.key),
        otherAuth: bearer(other.apiKey.key),
      };
    },
    async () => {}, // closed with the database (useAppsDatabase)
    {
      marked: (count: number) => createMarkedNumbers(apps.t.db, apps.tenant, count),
      get: (api: TestApp, url: string, headers: Record<string, string> = apps.auth) =>
        api.app.inject({ method: 'GET', url, headers }),
      /** POSTs the numbers to `api` as the tenant; the answer and its parsed body. */
      async submit(api: TestApp, telephoneNumbers: string[], prefer?: string) {
        const res = await api.app.inject({
          method: 'POST',
          url: ACTION,
          headers: { ...apps.auth, ...(prefer && { prefer }) },
          payload: { telephoneNumbers },
        });
        return { res, body: JSON.parse(res.body) };
      },
    },
  );
  return apps;
}
