import { Queue } from 'bullmq';
import { expect } from 'vitest';
import { closeDb, createDb, type Database } from '../../../src/db/client.ts';
import { OPERATION_QUEUE } from '../../../src/queue/operation-queue.ts';
import { type PrivatePostgres, startPrivatePostgres } from '../pg-cluster.ts';
import { type ServiceProcess, startService } from '../processes.ts';
import { deletePrefix, uniquePrefix } from '../redis.ts';
import { REDIS_URL } from '../services.ts';
import { waitFor } from '../wait.ts';
import { type Client, createClient } from './http.ts';
import { lockNumber, workerBackendsWaitingOnLock } from './row-lock.ts';
import { ASYNC, ENDPOINT, JOBS, tenantWithNumbers } from './tenants.ts';

// The Postgres-crash scenario's world (test/reliability/slow/postgres-crash.test.ts): a
// throwaway cluster the test may crash, the API and worker processes on it, and the traffic
// the test sends through the outage.

export interface Timed {
  status: number;
  ms: number;
  retryAfter: string | null;
}

export interface CrashWorld {
  pg: PrivatePostgres;
  sql: Database['$client'];
  client: Client;
  api: ServiceProcess;
  worker: ServiceProcess;
  queue: Queue;
  tenant: Awaited<ReturnType<typeof tenantWithNumbers>>;
  close(): Promise<void>;
}

/** A throwaway cluster, one API and one worker on it, and a tenant with 600 marked numbers. */
export async function startCrashWorld(extraEnv: Record<string, string> = {}): Promise<CrashWorld> {
  const pg = await startPrivatePostgres();
  const url = pg.url('oc_numbers');
  const prefix = uniquePrefix('rel-pgcrash');
  const env = {
    DATABASE_URL: url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    WORKER_CHUNK_SIZE: '50',
    ...extraEnv,
  };
  const processes: ServiceProcess[] = [];
  let db: Database | undefined;
  let queue: Queue | undefined;
  const close = async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await queue?.close();
    if (db) await closeDb(db);
    await pg.stop();
    await deletePrefix(prefix);
  };
  try {
    const api = await startService('api', env); // creates and migrates the database
    processes.push(api);
    const worker = await startService('worker', env);
    processes.push(worker);
    db = createDb(url, { poolMax: 4, applicationName: 'oc-numbers-test' });
    queue = new Queue(OPERATION_QUEUE, { connection: { url: REDIS_URL }, prefix });
    const tenant = await tenantWithNumbers(db, 600);
    const client = createClient(api.url as string);
    return { pg, sql: db.$client, client, api, worker, queue, tenant, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * A 50-number synchronous request answered 200, then a 500-number job held at 200 by a row
 * lock (released by the crash, whose server takes the lock's connection with it).
 */
export async function answeredThenHeld(w: CrashWorld) {
  const { client, tenant: t, sql } = w;
  const answered = await client.request('POST', ENDPOINT, {
    key: t.key,
    body: { telephoneNumbers: t.numbers.slice(0, 50) },
  });
  expect(answered.status).toBe(200);
  const lock = await lockNumber(w.pg.url('oc_numbers'), t.numbers[250] as string);
  const accepted = await client.request('POST', ENDPOINT, {
    key: t.key,
    headers: ASYNC,
    body: { telephoneNumbers: t.numbers.slice(50, 550) },
  });
  expect(accepted.status).toBe(202);
  const jobId = (accepted.json as { jobId: string }).jobId;
  await waitFor('the job to wait at 200', async () => {
    const [job] = await sql<
      { n: number }[]
    >`select processed_count as n from jobs where id = ${jobId}`;
    return job?.n === 200 && (await workerBackendsWaitingOnLock(sql)).length > 0 ? true : undefined;
  });
  return { jobId, lock };
}

/** Polls the job every 100 ms through the API until stopped; keeps what each 200 said. */
export function startPoller(w: CrashWorld, jobId: string) {
  const seen: { n: number; at: number }[] = [];
  let polling = true;
  const done = (async () => {
    while (polling) {
      const answer = await w.client.request('GET', `${JOBS}/${jobId}`, { key: w.tenant.key });
      const progress = (answer.json as { progress?: { processedCount: number } }).progress;
      if (answer.status === 200 && progress)
        seen.push({ n: progress.processedCount, at: Date.now() });
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    /** Stops polling; resolves to each time progress went back. */
    async stop() {
      polling = false;
      await done;
      return seen
        .map((s, i) => ({ from: seen[i - 1]?.n ?? 0, to: s.n, at: s.at }))
        .filter((x, i) => i > 0 && x.to < x.from);
    },
  };
}

/** One-number POSTs (numbers already moved), one every 250 ms, for `ms`; `each` runs between. */
export async function postThroughout(w: CrashWorld, ms: number, each?: () => Promise<void>) {
  const started = Date.now();
  const during: Timed[] = [];
  for (let i = 0; Date.now() - started < ms; i++) {
    const sent = Date.now();
    const answer = await w.client.request('POST', ENDPOINT, {
      key: w.tenant.key,
      headers: ASYNC,
      body: { telephoneNumbers: [w.tenant.numbers[i % 50] as string] },
    });
    during.push({
      status: answer.status,
      ms: Date.now() - sent,
      retryAfter: answer.headers.get('retry-after'),
    });
    await each?.();
    await new Promise((r) => setTimeout(r, 250));
  }
  return during;
}
