import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { deletePrefixAt } from '../test/support/redis.ts';
import { FULL, QUICK } from './context.ts';
import { createBenchDatabase, dropSiblingDatabases } from './database.ts';
import { machineInfo } from './machine.ts';
import type { Results } from './parts/index.ts';
import { newQueuePrefix } from './queue-prefix.ts';
import { flatten } from './report/flat.ts';
import { buildRows } from './report/rows.ts';
import {
  CORE_PART_NAMES,
  DIAGNOSE_PART_NAMES,
  isPartName,
  PART_NAMES,
  runParts,
} from './runner.ts';
import { NumberAllocator, seedTenant } from './seed.ts';
import { formatTable } from './table.ts';

// `npm run bench [-- --quick] [-- --diagnose] [-- --parts core,validation] [-- --markdown]`:
// the parts in one process, on an isolated database and queue prefix removed at the end.
// `--diagnose` adds what explains the figures: the bounds and scaling parts and the CPU split.
// `npm run bench -- --from bench/results.json [--markdown]` prints a saved run again.
// `--schema-sql "<statements>"` runs them on the bench database after the migrations: a schema
// lever (an index added or dropped, a key) is measured without writing a migration for it.

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    parts: { type: 'string' },
    markdown: { type: 'boolean', default: false },
    diagnose: { type: 'boolean', default: false },
    output: { type: 'string', default: new URL('./results.json', import.meta.url).pathname },
    from: { type: 'string' },
    'schema-sql': { type: 'string' },
  },
});

interface Document {
  machine: Awaited<ReturnType<typeof machineInfo>> & { loadAverageAfter: number[] };
  details: Results;
}

function printReport(document: Document): void {
  const m = document.machine;
  process.stdout.write(
    `\n${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, PostgreSQL ${m.postgres}; ` +
      `load average ${m.loadAverage.join(' ')} before, ${m.loadAverageAfter.join(' ')} after` +
      (m.referenceMs
        ? `; reference work ${m.referenceMs.nodeLoop} ms (Node loop), ${m.referenceMs.postgresSeries} ms (Postgres series)\n`
        : '\n'),
  );
  process.stdout.write(`\n${formatTable(buildRows(document.details), values.markdown)}\n`);
}

if (values.from) {
  printReport(JSON.parse(await readFile(values.from, 'utf8')) as Document);
  process.exit(0);
}

const config = loadConfig(process.env);
const selected =
  values.parts?.split(',') ?? (values.diagnose ? DIAGNOSE_PART_NAMES : CORE_PART_NAMES);
const unknown = selected.filter((name) => !isPartName(name));
if (unknown.length > 0) {
  throw new Error(`unknown part(s) ${unknown.join(', ')}; parts: ${PART_NAMES.join(', ')}`);
}
const parts = selected.filter(isPartName);

const log = (message: string) => process.stderr.write(`${message}\n`);
const started = Date.now();
const machineBefore = await machineInfo(config.databaseUrl, { reference: true });
const db = await createBenchDatabase(config.databaseUrl);
const schemaSql = values['schema-sql'];
if (schemaSql) await db.sql.unsafe(schemaSql);
const queuePrefix = newQueuePrefix();
const cleanUp = async () => {
  await dropSiblingDatabases(config.databaseUrl, db);
  await db.drop();
  await deletePrefixAt(config.redisUrl, queuePrefix);
};
// Ctrl-C must not leave a bench database behind (children get the signal from the terminal).
process.once('SIGINT', () => {
  log('\ninterrupted: dropping the bench database');
  void cleanUp().finally(() => process.exit(130));
});
let results: Results;
try {
  const mode = values.quick ? 'quick' : 'full';
  log(
    `bench database ${db.name}, queue prefix ${queuePrefix}, ${mode} mode, parts ${parts.join(', ')}`,
  );
  if (schemaSql) log(`schema changed after the migrations: ${schemaSql}`);
  results = await runParts(
    {
      config,
      db,
      tenant: await seedTenant(db.sql),
      numbers: new NumberAllocator(),
      queuePrefix,
      sizes: values.quick ? QUICK : FULL,
      diagnose: values.diagnose,
      log,
    },
    parts,
  );
} finally {
  await cleanUp();
}

const machineAfter = await machineInfo(config.databaseUrl);
const document = {
  ...flatten(results),
  mode: values.quick ? 'quick' : 'full',
  diagnose: values.diagnose,
  ...(schemaSql && { schemaSql }),
  startedAt: new Date(started).toISOString(),
  durationSeconds: Math.round((Date.now() - started) / 1000),
  machine: { ...machineBefore, loadAverageAfter: machineAfter.loadAverage },
  details: results,
};
printReport(document);
await writeFile(values.output, `${JSON.stringify(document, null, 2)}\n`);
process.stdout.write(`\nwrote ${values.output}\n`);
