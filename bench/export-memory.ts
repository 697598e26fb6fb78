// Memory of the CSV export (GET /api/v3/oc/numbers, Accept: text/csv) as the inventory grows:
// the API runs in this process, curl downloads the export in another, and this process samples
// its own RSS and heap while the export streams. Bounded memory means the peaks stay flat from
// 100k to 1M rows. Usage: npm run bench:export [-- --sizes 100000,1000000]
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/api/app.ts';
import { closeAppDeps, createAppDeps } from '../src/api/create-deps.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { createBenchDatabase } from './database.ts';
import { deleteQueuePrefix, newQueuePrefix } from './queue-prefix.ts';
import { seedTenant } from './seed.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100000,1000000' } } });
const sizes = values.sizes
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 9_000_000)) {
  throw new Error('--sizes: comma-separated row counts between 1 and 9,000,000');
}
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:export does)');

const MB = 1024 * 1024;
const base = loadConfig(process.env);
const db = await createBenchDatabase(base.databaseUrl);
const queuePrefix = newQueuePrefix();
const config = loadConfig({
  ...process.env,
  DATABASE_URL: db.url,
  QUEUE_PREFIX: queuePrefix,
  LOG_LEVEL: 'warn',
});
const deps = await createAppDeps(config, createLogger(config));
const app = await buildApp(deps);

interface Row {
  rows: number;
  lines: number;
  seconds: number;
  baselineRssMb: number;
  peakRssMb: number;
  baselineHeapMb: number;
  peakHeapMb: number;
}

try {
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const tenant = await seedTenant(db.sql);
  const results: Row[] = [];
  let seeded = 0;
  for (const size of sizes) {
    console.error(`seeding ${size - seeded} numbers (to ${size})…`);
    await db.sql`
      insert into telephone_numbers (e164, operator_id, customer_id, status)
      select '+1206' || lpad(g::text, 7, '0'), ${tenant.operatorId}, ${tenant.customerId},
             (array['Active', 'MarkedForRemoval', 'ReadyForRemoval'])[1 + g % 3]::number_status
      from generate_series(${seeded}::int, ${size - 1}::int) as g`;
    seeded = size;
    await db.sql`vacuum analyze telephone_numbers`;
    console.error(`exporting ${size} numbers…`);
    results.push({
      rows: size,
      ...(await measureExport(`${url}/api/v3/oc/numbers`, tenant.apiKey)),
    });
  }
  printTable(results);
} finally {
  await app.close();
  await closeAppDeps(deps);
  await db.drop();
  await deleteQueuePrefix(config.redisUrl, queuePrefix);
}

async function measureExport(url: string, apiKey: string): Promise<Omit<Row, 'rows'>> {
  gc?.();
  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  let peakHeap = baseline.heapUsed;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  }, 10);
  const started = performance.now();
  // The key travels in an environment variable, not on a command line others can read.
  const lines = await new Promise<number>((resolve, reject) => {
    const child = spawn(
      'bash',
      [
        '-c',
        'set -o pipefail; curl -sS --fail -H "authorization: Bearer $KEY" -H "accept: text/csv" "$URL" | wc -l',
      ],
      {
        env: { PATH: process.env.PATH ?? '', KEY: apiKey, URL: url },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(Number(out.trim())) : reject(new Error(`curl pipeline exited ${code}`)),
    );
  });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  return {
    lines,
    seconds,
    baselineRssMb: baseline.rss / MB,
    peakRssMb: peakRss / MB,
    baselineHeapMb: baseline.heapUsed / MB,
    peakHeapMb: peakHeap / MB,
  };
}

function printTable(results: Row[]) {
  const header =
    '| rows | CSV lines | seconds | rows/s | RSS before → peak (MB) | heap used before → peak (MB) |';
  console.log(`${header}\n|---:|---:|---:|---:|---:|---:|`);
  for (const r of results) {
    const rate = Math.round(r.rows / r.seconds).toLocaleString('en-US');
    console.log(
      `| ${r.rows.toLocaleString('en-US')} | ${r.lines.toLocaleString('en-US')} | ${r.seconds.toFixed(1)} | ${rate} | ` +
        `${r.baselineRssMb.toFixed(0)} → ${r.peakRssMb.toFixed(0)} | ${r.baselineHeapMb.toFixed(0)} → ${r.peakHeapMb.toFixed(0)} |`,
    );
  }
  for (const r of results) {
    if (r.lines !== r.rows + 1) throw new Error(`${r.rows} rows exported as ${r.lines} lines`);
  }
}
