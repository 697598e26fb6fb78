import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { fetchedAnswer } from '../contract/checked-answers.ts';
import { committedDocument } from '../contract/document.ts';
import { createResponseValidator } from '../contract/response-validator.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { createMarkedNumbers, createTenant } from './factories.ts';
import { forTheFile } from './for-the-file.ts';
import { type ServiceProcess, startService } from './processes.ts';
import { deletePrefix, uniquePrefix } from './redis.ts';
import { REDIS_URL } from './services.ts';

/**
 * What the bulk client's end-to-end files run against, for the whole file: a real API and
 * (unless `worker: false`) a real worker process on a database and queue prefix of their own,
 * and a temporary folder for the input and results files. `env` may be a function, for
 * settings known only once another `beforeAll` ran (an issuer's URL).
 */
export function useClientService(
  label: string,
  env: Record<string, string> | (() => Record<string, string>) = {},
  options: { worker?: boolean } = {},
) {
  return forTheFile(async () => {
    const db = await createTestDatabase();
    const prefix = uniquePrefix(label);
    const dir = await mkdtemp(join(tmpdir(), `ocn-${label}-`));
    const extra = typeof env === 'function' ? env() : env;
    const all = { DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: prefix, ...extra };
    const withWorker = options.worker !== false;
    const started = await Promise.allSettled([
      startService('api', all),
      ...(withWorker ? [startService('worker', all)] : []),
    ]);
    const [api, worker] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
    const opened = { db, prefix, dir, processes: [api, worker] };
    if (!api || (withWorker && !worker)) {
      // Stop the one that did start, or the file fails on a leaked child process instead.
      await closeClientService(opened);
      throw started.find((s) => s.status === 'rejected')?.reason;
    }
    return { ...opened, api, worker, url: api.url as string };
  }, closeClientService);
}

async function closeClientService(opened: {
  db: TestDatabase;
  prefix: string;
  dir: string;
  processes: (ServiceProcess | undefined)[];
}) {
  await Promise.all(opened.processes.map((p) => p?.stop()));
  await deletePrefix(opened.prefix).catch(() => {});
  await opened.db.drop();
  await rm(opened.dir, { recursive: true, force: true });
}

/**
 * A tenant with `count` marked numbers and a job of them accepted asynchronously (checked
 * against the OpenAPI document): with no worker running, it stays queued. `env` is what the
 * client needs to act as the tenant.
 */
export async function queuedJob(service: { db: TestDatabase; url: string }, count: number) {
  const tenant = await createTenant(service.db.db);
  const numbers = await createMarkedNumbers(service.db.db, tenant, count);
  const path = '/api/v3/oc/numbers/action/ready-for-removal';
  const accepted = await fetch(`${service.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${tenant.apiKey.key}`,
      'content-type': 'application/json',
      prefer: 'respond-async',
    },
    body: JSON.stringify({ telephoneNumbers: numbers }),
  });
  createResponseValidator(committedDocument()).assert(await fetchedAnswer('POST', path, accepted));
  expect(accepted.status).toBe(202);
  const { jobId } = (await accepted.json()) as { jobId: string };
  return { tenant, jobId, env: { OCN_API_KEY: tenant.apiKey.key, OCN_URL: service.url } };
}

/** `queuedJob` for a whole file, made once the service is up (same file's `useClientService`). */
export function useQueuedJob(service: { db: TestDatabase; url: string }, count: number) {
  return forTheFile(
    () => queuedJob(service, count),
    async () => {},
  );
}
