import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from './database.ts';
import { forTheFile } from './for-the-file.ts';
import { startApi, startWorker } from './processes.ts';
import { deletePrefix, uniquePrefix } from './redis.ts';
import { REDIS_URL } from './services.ts';

/**
 * What the bulk client's end-to-end files run against, for the whole file: a real API and a
 * real worker process on a database and queue prefix of their own, and a temporary folder
 * for the input and results files. `env` may be a function, for settings known only once
 * another `beforeAll` ran (an issuer's URL).
 */
export function useClientService(
  label: string,
  env: Record<string, string> | (() => Record<string, string>) = {},
) {
  return forTheFile(
    async () => {
      const db = await createTestDatabase();
      const prefix = uniquePrefix(label);
      const dir = await mkdtemp(join(tmpdir(), `ocn-${label}-`));
      const extra = typeof env === 'function' ? env() : env;
      const all = { DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: prefix, ...extra };
      const started = await Promise.allSettled([startApi(all), startWorker(all)]);
      const [api, worker] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
      if (!api || !worker) {
        // Stop the one that did start, or the file fails on a leaked child process instead.
        await Promise.all([api?.stop(), worker?.stop()]);
        await deletePrefix(prefix).catch(() => {});
        await db.drop();
        await rm(dir, { recursive: true, force: true });
        throw started.find((s) => s.status === 'rejected')?.reason;
      }
      return { db, prefix, dir, api, worker, url: api.url as string };
    },
    async ({ db, prefix, dir, api, worker }) => {
      await Promise.all([api.stop(), worker.stop()]);
      await deletePrefix(prefix).catch(() => {});
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  );
}
