import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { OPERATION_QUEUE } from '../../../src/queue/operation-queue.ts';
import { createTestDatabase, type TestDatabase } from '../database.ts';
import { assertInvariants, waitForJobsEnded } from '../invariants.ts';
import { type ServiceProcess, startService } from '../processes.ts';
import { deletePrefix, uniquePrefix } from '../redis.ts';
import { REDIS_URL } from '../services.ts';
import { assertProblemAnswers, type Client, createClient } from './http.ts';
import { type ProgressWatch, watchProgress } from './progress-watch.ts';

// One scenario's world: its own database and queue prefix, the processes it started, and
// the clean-up that stops them all and checks the invariants.

export interface Scenario {
  db: TestDatabase;
  prefix: string;
  /** Env every process of this scenario gets (database, Redis, prefix). */
  env: Record<string, string>;
  processes: ServiceProcess[];
  /** Every job's progress, watched from the start to the end of the scenario. */
  progress: ProgressWatch;
  api(extra?: Record<string, string>): Promise<ServiceProcess>;
  worker(extra?: Record<string, string>): Promise<ServiceProcess>;
  /** BullMQ's side of the scenario's jobs (opened on first use, closed with the scenario). */
  queue(): Queue;
  /** Every line all processes wrote (for the "no key in logs" check). */
  allLines(): string[];
  close(): Promise<void>;
}

export async function createScenario(
  label: string,
  base: Record<string, string> = {},
): Promise<Scenario> {
  const db = await createTestDatabase();
  const prefix = uniquePrefix(label);
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    WORKER_CHUNK_SIZE: '50',
    ...base,
  };
  const processes: ServiceProcess[] = [];
  const progress = watchProgress({ sql: db.sql, redisUrl: env.REDIS_URL, prefix });
  let queue: Queue | undefined;
  return {
    db,
    prefix,
    env,
    processes,
    progress,
    async api(extra = {}) {
      const api = await startService('api', { ...env, ...extra });
      processes.push(api);
      return api;
    },
    async worker(extra = {}) {
      const worker = await startService('worker', { ...env, ...extra });
      processes.push(worker);
      return worker;
    },
    queue() {
      queue ??= new Queue(OPERATION_QUEUE, { connection: { url: REDIS_URL }, prefix });
      return queue;
    },
    allLines: () => processes.flatMap((p) => p.lines),
    async close() {
      await queue?.close();
      await Promise.all(processes.map((p) => p.stop('SIGKILL')));
      await progress.stop();
      await deletePrefix(prefix).catch(() => {});
      await db.drop();
    },
  };
}

/** `N` of `T`: a tuple, so a file starting two APIs gets two clients, typed as such. */
type Tuple<T, N extends number, Acc extends T[] = []> = Acc['length'] extends N
  ? Acc
  : Tuple<T, N, [...Acc, T]>;

/**
 * A scenario with `apis` API and `workers` worker processes started side by side, and a
 * recording client for each API, in the same order.
 */
export async function startScenario<N extends number>(
  label: string,
  base: Record<string, string>,
  counts: { apis: N; workers: number },
): Promise<{ world: Scenario; apis: Tuple<ServiceProcess, N>; clients: Tuple<Client, N> }> {
  const world = await createScenario(label, base);
  const starts = await Promise.allSettled([
    ...Array.from({ length: counts.apis }, () => world.api()),
    ...Array.from({ length: counts.workers }, () => world.worker()),
  ]);
  const failed = starts.find((s) => s.status === 'rejected');
  if (failed) {
    // The processes that did start, the database and the prefix go with the failed start.
    await world.close().catch(() => {});
    throw failed.reason;
  }
  const started = starts.map((s) => (s as PromiseFulfilledResult<ServiceProcess>).value);
  const apis = started.slice(0, counts.apis);
  const clients = apis.map((api) => createClient(api.url as string));
  return { world, apis: apis as Tuple<ServiceProcess, N>, clients: clients as Tuple<Client, N> };
}

/**
 * The invariants, and progress: for afterEach/afterAll of every scenario, once its jobs ended.
 * Progress faults are those the watch saw since the previous check, faults included.
 */
export async function checkWorld(scenario: Scenario): Promise<void> {
  await assertInvariants(scenario.db.sql);
  await scenario.progress.check();
}

/** Registers the check after each test: every job ends within `timeoutMs`, then invariants hold. */
export function settleAfterEach(world: () => Scenario, timeoutMs = 60_000): void {
  afterEach(async () => {
    await waitForJobsEnded(world().db.sql, undefined, timeoutMs);
    await checkWorld(world());
  });
}

/**
 * A scenario for a whole file, started before its tests (`started` hands the file its world
 * and clients), settled after each test (`settleAfterEach`), and after the file its clients'
 * answers checked as problem details where they failed, then closed.
 */
export function useScenario<N extends number>(
  label: string,
  base: Record<string, string>,
  counts: { apis: N; workers: number },
  started: (scenario: Awaited<ReturnType<typeof startScenario<N>>>) => void,
): void {
  let opened: Awaited<ReturnType<typeof startScenario<N>>> | undefined;
  beforeAll(async () => {
    opened = await startScenario(label, base, counts);
    started(opened);
  });
  settleAfterEach(() => {
    if (!opened) throw new Error('the scenario did not start');
    return opened.world;
  });
  afterAll(async () => {
    if (!opened) return;
    assertProblemAnswers((opened.clients as Client[]).flatMap((c) => c.answers));
    await opened.world.close();
  });
}
