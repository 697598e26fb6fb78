import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { freePort } from '../test/support/listening.ts';
import { deletePrefixAt } from '../test/support/redis.ts';
import { waitFor } from '../test/support/wait.ts';
import { consoleFromDashboard } from './dashboard-console.ts';
import { CLEAR_PATH, NumberSupply, READY_PATH, requestLoop, type Tally } from './dashboard-load.ts';
import { answers, photograph } from './dashboard-photo.ts';
import { createBenchDatabase } from './database.ts';
import { createHttpClient } from './http-client.ts';
import { benchProcessEnv, type NodeChild, spawnNode } from './processes.ts';
import { type PrometheusServer, startPrometheus } from './prometheus-server.ts';
import { newQueuePrefix } from './queue-prefix.ts';
import { NumberAllocator, seedMarkedNumbers, seedTenant } from './seed.ts';

// `npm run bench:dashboard`: the picture in docs/operations.md ("Dashboard"). One API and two
// worker processes on a throwaway database, Debian's Prometheus scraping them every 2 s, and
// 4½ minutes of client load (workers stopped for the middle 70 s); then Chromium photographs a
// Prometheus console page drawing every panel query of deploy/grafana/oc-numbers.json.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUTPUT = join(ROOT, 'docs/images/dashboard-prometheus-console.png');
// `-- --quick`: a short run to try the script (the picture in the docs comes from a full one).
const PHASES_S = parseArgs({ options: { quick: { type: 'boolean' } } }).values.quick
  ? { steady: 20, workersDown: 15, recovery: 20 }
  : { steady: 100, workersDown: 70, recovery: 100 };
const BOARD = { user: 'prometheus', password: 'dashboard-run' };
const log = (message: string) => process.stderr.write(`${message}\n`);

const config = loadConfig(process.env);
const db = await createBenchDatabase(config.databaseUrl);
const queuePrefix = newQueuePrefix();
const dir = mkdtempSync(join(tmpdir(), 'ocn-dashboard-'));
const children: NodeChild[] = [];
let prometheus: PrometheusServer | undefined;
try {
  const tenant = await seedTenant(db.sql);
  const supply = new NumberSupply(
    await seedMarkedNumbers(db.sql, new NumberAllocator(), tenant, 600_000),
  );
  await db.sql`analyze`;
  const env = {
    ...benchProcessEnv({ databaseUrl: db.url, redisUrl: config.redisUrl, queuePrefix }),
    HOST: '127.0.0.1',
    MIGRATE_ON_START: 'false',
  };
  const apiPort = await freePort();
  const workerPorts = [await freePort(), await freePort()];
  const startWorkers = async () => {
    for (const port of workerPorts) {
      children.push(spawnNode('workers/main.ts', { ...env, WORKER_METRICS_PORT: String(port) }));
      await waitFor('a worker', () => answers(`http://127.0.0.1:${port}/health/live`), 30_000, 100);
    }
  };
  prometheus = await startPrometheus({
    dir,
    intervalSeconds: 2,
    ruleFiles: [join(ROOT, 'deploy/prometheus/alerts.yml')],
    jobs: [
      {
        name: 'oc-numbers-api',
        targets: [`127.0.0.1:${apiPort}`],
        basicAuth: { username: BOARD.user, password: BOARD.password },
      },
      { name: 'oc-numbers-workers', targets: workerPorts.map((p) => `127.0.0.1:${p}`) },
    ],
  });
  const started = Date.now();
  children.push(
    spawnNode('src/api/server.ts', {
      ...env,
      PORT: String(apiPort),
      BULL_BOARD_USER: BOARD.user,
      BULL_BOARD_PASSWORD: BOARD.password,
    }),
  );
  const baseUrl = `http://127.0.0.1:${apiPort}`;
  await waitFor('the API', () => answers(`${baseUrl}/health/ready`), 30_000, 100);
  await startWorkers();

  const client = createHttpClient(baseUrl, { authorization: `Bearer ${tenant.apiKey}` });
  const tally: Tally = new Map();
  let phase: 'steady' | 'workersDown' | 'recovery' | 'done' = 'steady';
  const loop = (path: string, size: number, everyMs: number, async = false) =>
    requestLoop(client, supply, tally, {
      path,
      size,
      everyMs,
      async,
      running: () => phase !== 'done' && (!async || phase === 'workersDown'),
    });
  // Three clients at 2 requests/s each against a budget of 5/s (RATE_LIMIT_MAX 300 a minute):
  // the last seconds of every window answer 429.
  const loops = [
    loop(READY_PATH, 200, 500),
    loop(READY_PATH, 200, 500),
    loop(READY_PATH, 200, 500),
    loop(CLEAR_PATH, 100, 400),
  ];
  log(`steady load for ${PHASES_S.steady} s`);
  await sleep(PHASES_S.steady * 1000);
  const downAt = Date.now();
  log(`workers stopped for ${PHASES_S.workersDown} s; async submissions pile up`);
  await Promise.all(children.splice(1).map((w) => w.stop()));
  phase = 'workersDown';
  loops.push(loop(READY_PATH, 500, 1000, true));
  await sleep(PHASES_S.workersDown * 1000);
  phase = 'recovery';
  const upAt = Date.now();
  await startWorkers();
  log(`workers back; load for ${PHASES_S.recovery} s`);
  await sleep(PHASES_S.recovery * 1000);
  phase = 'done';
  await Promise.all(loops);
  client.close();
  await sleep(4000); // two more scrapes
  const end = Date.now();
  const at = (t: number) => `${Math.round((t - started) / 1000)} s`;
  const answered = [...tally].map(([status, n]) => `${n} × ${status}`).join(', ');
  log(`answers: ${answered}; ports: api ${apiPort}, workers ${workerPorts.join(', ')}`);
  const api = children[0];
  if (api && tally.has(0)) log(`the API's output:\n${api.output()}`);
  // The record of what moved, for the picture's description.
  const moved = await db.sql<{ operation: string; jobs: number; moved: number; refused: number }[]>`
    select operation, count(*)::int as jobs, sum(success_count)::int as moved,
           sum(processed_count - success_count)::int as refused
    from jobs group by operation order by operation`;
  for (const row of moved) log(`${row.operation}: ${JSON.stringify(row)}`);

  const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/oc-numbers.json'), 'utf8'));
  const page = consoleFromDashboard(dashboard, {
    rateInterval: '10s',
    durationSeconds: Math.ceil((end - started) / 1000) + 10,
    endTime: Math.ceil(end / 1000),
    pageWidth: 1600,
    caption:
      `Not Grafana: every panel query of deploy/grafana/oc-numbers.json drawn by Prometheus ` +
      `2.42's own console library (Debian), over a real ${at(end)} run of npm run bench:dashboard ` +
      `— one API and two worker processes, client load of both operations (answers: ` +
      `${answered}); both workers stopped from ${at(downAt)} to ${at(upAt)}.`,
  });
  writeFileSync(join(prometheus.consolesDir, 'oc-numbers.html'), page);
  await photograph(`${prometheus.url}/consoles/oc-numbers.html`, OUTPUT, log);
  log(`wrote ${OUTPUT}`);
} finally {
  await Promise.all(children.map((c) => c.stop()));
  await prometheus?.stop();
  await db.drop();
  await deletePrefixAt(config.redisUrl, queuePrefix);
  rmSync(dir, { recursive: true, force: true });
}
