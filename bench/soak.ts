import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.ts';
import { OPERATION_QUEUE } from '../src/queue/operation-queue.ts';
import { freePort } from '../test/support/listening.ts';
import { deletePrefixAt } from '../test/support/redis.ts';
import { waitFor } from '../test/support/wait.ts';
import { createBenchDatabase } from './database.ts';
import { createHttpClient, type HttpAnswer } from './http-client.ts';
import { benchProcessEnv, type NodeChild, spawnNode } from './processes.ts';
import { newQueuePrefix } from './queue-prefix.ts';
import { chunk, NumberAllocator, seedMarkedNumbers, seedTenant, type Tenant } from './seed.ts';
import { isFullSuccess, READY_FOR_REMOVAL_PATH } from './service.ts';
import { type MemorySample, prefixMemory, redisUsedMemory } from './soak/redis-memory.ts';
import { latency } from './stats.ts';

// `npm run soak [-- --minutes 10] [-- --operators 3] [-- --workers 2] [-- --job-size 500]`:
// the admitted load (the global budget, RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_MS, times
// --fraction) offered open loop for --minutes by several operators in turn, as synchronous
// requests, against the real service: one API process and --workers worker processes, on a
// database and queue prefix of its own (removed at the end). Reports latency, the run's Redis
// memory over time, waits for a Postgres connection (bench/soak/pool-waits.ts) and whether
// every job ended. Opt-in: not part of `npm test`. See docs/reliability.md, "Soak".

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    operators: { type: 'string', default: '3' },
    workers: { type: 'string', default: '2' },
    'job-size': { type: 'string', default: '500' },
    fraction: { type: 'string', default: '0.95' },
  },
});
const minutes = Number(values.minutes);
const operators = Number(values.operators);
const workers = Number(values.workers);
const jobSize = Number(values['job-size']);
const fraction = Number(values.fraction);
if (![minutes, operators, workers, jobSize, fraction].every((v) => v > 0) || fraction > 1) {
  throw new Error(
    '--minutes, --operators, --workers, --job-size must be > 0; --fraction in (0, 1]',
  );
}

const config = loadConfig(process.env);
const perMinute = ((config.rateLimit.max * 60_000) / config.rateLimit.windowMs) * fraction;
const intervalMs = 60_000 / perMinute;
const requests = Math.floor((minutes * 60_000) / intervalMs);
const perOperator = Math.ceil(requests / operators);
const log = (line: string) =>
  process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const loadBefore = loadavg().map((x) => x.toFixed(1));

const db = await createBenchDatabase(config.databaseUrl);
const prefix = newQueuePrefix();
const children: NodeChild[] = [];
const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
const queue = new Queue(OPERATION_QUEUE, { connection: { url: config.redisUrl }, prefix });
try {
  log(`seeding ${operators} operators × ${perOperator} requests × ${jobSize} numbers`);
  const allocator = new NumberAllocator();
  const tenants: { tenant: Tenant; bodies: { telephoneNumbers: string[] }[] }[] = [];
  for (let i = 0; i < operators; i++) {
    const tenant = await seedTenant(db.sql);
    const numbers = await seedMarkedNumbers(db.sql, allocator, tenant, perOperator * jobSize);
    tenants.push({ tenant, bodies: chunk(numbers, jobSize).map((n) => ({ telephoneNumbers: n })) });
  }
  await db.sql`analyze`;

  const port = await freePort();
  const env = {
    ...benchProcessEnv({ databaseUrl: db.url, redisUrl: config.redisUrl, queuePrefix: prefix }),
    HOST: '127.0.0.1',
    NODE_OPTIONS: `--import ${new URL('./soak/pool-waits.ts', import.meta.url).pathname}`,
  };
  children.push(spawnNode('src/api/server.ts', { ...env, PORT: String(port) }));
  for (let i = 0; i < workers; i++) children.push(spawnNode('workers/main.ts', env));
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    'the API to be ready',
    async () =>
      (await fetch(`${baseUrl}/health/ready`).catch(() => undefined))?.ok ? true : undefined,
    90_000,
    200,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${children.map((c) => c.output()).join('\n')}`);
  });
  await waitFor(
    `${workers} workers`,
    async () => ((await queue.getWorkersCount()) >= workers ? true : undefined),
    90_000,
    200,
  );

  const memory: MemorySample[] = [];
  const sampleMemory = async (label: string) => {
    memory.push({
      label,
      prefixBytes: await prefixMemory(redis, prefix),
      usedMemory: await redisUsedMemory(redis),
    });
  };
  await sampleMemory('start');
  log(
    `load: ${requests} requests of ${jobSize} numbers, one every ${intervalMs.toFixed(0)} ms, for ${minutes} min`,
  );
  const answers: (HttpAnswer & { operator: number })[] = [];
  const started = performance.now();
  const minuteTimer = setInterval(() => {
    const minute = Math.round((performance.now() - started) / 60_000);
    void sampleMemory(`${minute} min`).catch(() => {});
    log(`minute ${minute}: ${answers.length} answered`);
  }, 60_000);
  const clients = tenants.map(({ tenant }) =>
    createHttpClient(baseUrl, { authorization: `Bearer ${tenant.apiKey}` }),
  );
  await Promise.all(
    Array.from({ length: requests }, async (_, i) => {
      const operator = i % operators;
      const body = tenants[operator]?.bodies[Math.floor(i / operators)];
      const client = clients[operator];
      if (!body || !client) return;
      const wait = started + i * intervalMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const answer = await client
        .post(READY_FOR_REMOVAL_PATH, body)
        .catch(() => ({ status: 0, body: '', ms: Number.NaN }));
      answers.push({ ...answer, operator });
    }),
  );
  clearInterval(minuteTimer);
  const loadSeconds = (performance.now() - started) / 1000;
  for (const client of clients) client.close();

  await waitFor(
    'every job to end',
    async () => {
      const [row] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from jobs where state in ('queued', 'active')`;
      return row?.n === 0 ? true : undefined;
    },
    120_000,
    500,
  ).catch(() => {});
  const states = await db.sql<{ state: string; n: number }[]>`
    select state, count(*)::int as n from jobs group by state order by state`;
  await new Promise((r) => setTimeout(r, 1500)); // one more pool report from every process
  await sampleMemory('end');

  const statusCounts: Record<string, number> = {};
  for (const a of answers) statusCounts[a.status] = (statusCounts[a.status] ?? 0) + 1;
  const pools = children.map((child, i) => ({
    process: i === 0 ? 'api' : `worker ${i}`,
    ...lastPoolReport(child.output()),
  }));
  const result = {
    command: `npm run soak -- --minutes ${minutes} --operators ${operators} --workers ${workers} --job-size ${jobSize} --fraction ${fraction}`,
    loadAverage: { before: loadBefore, after: loadavg().map((x) => x.toFixed(1)) },
    loadSeconds: Math.round(loadSeconds),
    requests: answers.length,
    fullSuccess: answers.filter((a) => isFullSuccess(a, jobSize)).length,
    statusCounts,
    latencyMs: roundAll(latency(answers.filter((a) => a.status === 200).map((a) => a.ms))),
    jobs: Object.fromEntries(states.map((s) => [s.state, s.n])),
    unfinishedJobs: states
      .filter((s) => s.state === 'queued' || s.state === 'active')
      .reduce((n, s) => n + s.n, 0),
    /** Per sample; `besidesKeptJobs` leaves out the finished jobs BullMQ keeps (bounded by removeOnComplete). */
    redisMemory: memory.map((m) => ({
      ...m,
      besidesKeptJobs: m.prefixBytes.total - m.prefixBytes.jobs - m.prefixBytes.completedIndex,
    })),
    pools,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  const ok =
    result.unfinishedJobs === 0 &&
    result.fullSuccess === requests &&
    pools.every((p) => p.fullWaits === 0);
  log(
    ok
      ? 'every request answered 200 in full, every job ended, no pool waits'
      : 'NOT CLEAN: see above',
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  await Promise.all(children.map((c) => c.stop()));
  await queue.close();
  await redis.quit();
  await deletePrefixAt(config.redisUrl, prefix);
  await db.drop();
}

function lastPoolReport(output: string) {
  const line = output
    .split('\n')
    .filter((l) => l.startsWith('{"soakPool"'))
    .at(-1);
  if (!line) return { fullWaits: Number.NaN, note: 'no pool report' };
  return (JSON.parse(line) as { soakPool: { fullWaits: number } }).soakPool;
}

function roundAll<T extends object>(o: T): T {
  return Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 10) / 10 : v]),
  ) as T;
}
