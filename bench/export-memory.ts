// Memory of the CSV export (GET /api/v3/oc/numbers, Accept: text/csv) as the inventory grows:
// the API runs in this process, curl downloads the export in another, and this process samples
// its own memory while the export streams. Each size is downloaded twice: once left alone (the
// peaks V8 chooses to reach before collecting), once with a full GC every 250 ms (what the
// export really keeps alive). Bounded memory means the live heap stays flat from 100k to 1M
// rows, and so do the peaks when V8's old space is capped (it then has to collect sooner):
//   npm run bench:export [-- --sizes 100000,1000000]
//   node --expose-gc --max-old-space-size=64 bench/export-memory.ts
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { parseSizes, startInProcessApp } from './in-process-app.ts';
import { seedTenant } from './seed.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '100000,1000000' } } });
const sizes = parseSizes(values.sizes, 'row counts');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:export does)');

const MB = 1024 * 1024;
const { db, app, close } = await startInProcessApp();

interface Row {
  rows: number;
  lines: number;
  seconds: number;
  baselineRssMb: number;
  peakRssMb: number;
  baselineHeapMb: number;
  peakHeapMb: number;
  /** The largest heap that survived a full collection, sampled every 250 ms. */
  peakLiveMb: number;
  /** Memory outside the V8 heap held by JS objects (Buffers): socket writes, driver reads. */
  baselineExternalMb: number;
  peakExternalMb: number;
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
  await close();
}

/** Natural peaks first; then a second download with a full GC every 250 ms for the live heap. */
async function measureExport(url: string, apiKey: string): Promise<Omit<Row, 'rows'>> {
  const natural = await download(url, apiKey, false);
  const live = await download(url, apiKey, true);
  return { ...natural, peakLiveMb: live.peakLiveMb };
}

async function download(
  url: string,
  apiKey: string,
  sampleLive: boolean,
): Promise<Omit<Row, 'rows'>> {
  gc?.();
  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  let peakHeap = baseline.heapUsed;
  let peakLive = baseline.heapUsed;
  let peakExternal = baseline.external;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
    peakExternal = Math.max(peakExternal, now.external);
  }, 10);
  // heapUsed also counts garbage V8 has not collected yet; what survives a full collection
  // is what the export really holds.
  const liveSampler = setInterval(() => {
    if (!sampleLive) return;
    gc?.();
    peakLive = Math.max(peakLive, process.memoryUsage().heapUsed);
  }, 250);
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
  clearInterval(liveSampler);
  return {
    lines,
    seconds,
    baselineRssMb: baseline.rss / MB,
    peakRssMb: peakRss / MB,
    baselineHeapMb: baseline.heapUsed / MB,
    peakHeapMb: peakHeap / MB,
    peakLiveMb: peakLive / MB,
    baselineExternalMb: baseline.external / MB,
    peakExternalMb: peakExternal / MB,
  };
}

function printTable(results: Row[]) {
  const limit = getHeapStatistics().heap_size_limit / MB;
  console.log(`V8 heap limit ${limit.toFixed(0)} MB (set with --max-old-space-size)\n`);
  const header =
    '| rows | CSV lines | seconds | rows/s | RSS before → peak (MB) | heap used before → peak (MB) | live heap after GC, peak (MB) | external before → peak (MB) |';
  console.log(`${header}\n|---:|---:|---:|---:|---:|---:|---:|---:|`);
  for (const r of results) {
    const rate = Math.round(r.rows / r.seconds).toLocaleString('en-US');
    console.log(
      `| ${r.rows.toLocaleString('en-US')} | ${r.lines.toLocaleString('en-US')} | ${r.seconds.toFixed(1)} | ${rate} | ` +
        `${r.baselineRssMb.toFixed(0)} → ${r.peakRssMb.toFixed(0)} | ${r.baselineHeapMb.toFixed(0)} → ${r.peakHeapMb.toFixed(0)} | ${r.peakLiveMb.toFixed(0)} | ${r.baselineExternalMb.toFixed(0)} → ${r.peakExternalMb.toFixed(0)} |`,
    );
  }
  for (const r of results) {
    if (r.lines !== r.rows + 1) throw new Error(`${r.rows} rows exported as ${r.lines} lines`);
  }
}
