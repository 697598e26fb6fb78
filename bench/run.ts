import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { type BenchContext, FULL, QUICK } from './context.ts';
import { createBenchDatabase } from './database.ts';
import { machineInfo } from './machine.ts';
import { PARTS, type PartName, type Results } from './parts/index.ts';
import { deleteQueuePrefix, newQueuePrefix } from './queue-prefix.ts';
import { buildRows, flatten } from './report.ts';
import { NumberAllocator, seedTenant } from './seed.ts';
import { formatTable } from './table.ts';

// `npm run bench [-- --quick] [-- --parts core,validation]`: every part in one process, on an
// isolated database and queue prefix that are removed at the end.

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    parts: { type: 'string' },
    markdown: { type: 'boolean', default: false },
    output: { type: 'string', default: new URL('./results.json', import.meta.url).pathname },
  },
});

const config = loadConfig(process.env);
const selected = (values.parts?.split(',') ?? Object.keys(PARTS)) as PartName[];
for (const name of selected) if (!(name in PARTS)) throw new Error(`unknown part ${name}`);

const started = Date.now();
const machineBefore = await machineInfo(config.databaseUrl);
const db = await createBenchDatabase(config.databaseUrl);
const queuePrefix = newQueuePrefix();
const log = (message: string) => process.stderr.write(`${message}\n`);
const results: Results = {};
try {
  const ctx: BenchContext = {
    config,
    db,
    tenant: await seedTenant(db.sql),
    numbers: new NumberAllocator(),
    queuePrefix,
    sizes: values.quick ? QUICK : FULL,
    log,
  };
  log(
    `bench database ${db.name}, queue prefix ${queuePrefix}, ${values.quick ? 'quick' : 'full'} mode`,
  );
  for (const name of selected) {
    log(`\n[${name}] ${PARTS[name].title}`);
    const partStarted = Date.now();
    await PARTS[name].run(ctx, results);
    log(`[${name}] done in ${((Date.now() - partStarted) / 1000).toFixed(1)} s`);
  }
} finally {
  await db.drop();
  await deleteQueuePrefix(config.redisUrl, queuePrefix);
}

const machineAfter = await machineInfo(config.databaseUrl);
const rows = buildRows(results);
process.stdout.write(`\n${formatTable(rows, values.markdown)}\n`);
const document = {
  ...flatten(results),
  mode: values.quick ? 'quick' : 'full',
  startedAt: new Date(started).toISOString(),
  durationSeconds: Math.round((Date.now() - started) / 1000),
  machine: { ...machineBefore, loadAverageAfter: machineAfter.loadAverage },
  details: results,
};
await writeFile(values.output, `${JSON.stringify(document, null, 2)}\n`);
process.stdout.write(`\nwrote ${values.output}\n`);
