import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchContext, Sizes } from '../../bench/context.ts';
import { levers } from '../../bench/parts/levers.ts';
import { flatten } from '../../bench/report/flat.ts';
import { buildRows } from '../../bench/report/rows.ts';
import { CORE_PART_NAMES, runParts } from '../../bench/runner.ts';
import { NumberAllocator, seedTenant } from '../../bench/seed.ts';
import { formatTable } from '../../bench/table.ts';
import { testConfig } from '../support/config.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';

// Benchmarks are not tests; this only keeps the bench code working: the parts `npm run bench`
// runs by default (not the --diagnose ones), tiny sizes.
const TINY: Sizes = {
  jobSize: 10,
  runs: 1,
  jobsPerRun: 2,
  naiveJobsPerRun: 1,
  naiveJobSize: 5,
  httpRequests: 2,
  httpWarmup: 1,
  loadSeconds: 1,
  validationBodies: 7,
  scalingJobs: 2,
  scalingConcurrency: [1],
  fleets: [],
};

/** Thrown to undo a lever's SQL once it has applied. */
class RolledBack extends Error {}

describe('npm run bench (smoke, tiny sizes)', () => {
  let database: TestDatabase;
  let prefix: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    prefix = uniquePrefix('bench');
  });

  afterAll(async () => {
    await database?.drop();
    // The bench derives a prefix per service and worker fleet (`<prefix>-e2e`, …): all go.
    await deletePrefix(prefix);
  });

  const context = async (): Promise<BenchContext> => ({
    config: testConfig(database.url, prefix),
    db: database,
    tenant: await seedTenant(database.sql),
    numbers: new NumberAllocator(),
    queuePrefix: prefix,
    sizes: TINY,
    diagnose: false,
    log: process.env.BENCH_SMOKE_LOG ? (m) => process.stderr.write(`${m}\n`) : () => {},
  });

  it('runs the default parts and reports the keys results.json promises', async () => {
    const results = await runParts(await context(), CORE_PART_NAMES);

    const flat = flatten(results);
    for (const key of [
      'workerNumbersPerSec',
      'workerClearNumbersPerSec',
      'naiveNumbersPerSec',
      'floorNumbersPerSec',
      'sync500P50Ms',
      'sync500P99Ms',
    ]) {
      expect(flat[key], key).toBeGreaterThan(0);
    }
    expect(results.e2e?.failures).toBe(0);
    expect(results.load?.succeeded).toBe(results.load?.requests);
    expect(results.load?.unfinishedJobs).toBe(0);
    expect(results.webhooks?.admitted?.delivered).toBe(results.webhooks?.admitted?.expected);
    expect(results.webhooks?.admitted?.expected).toBeGreaterThan(0);
    expect(results.webhooks?.drain.map((d) => d.layout)).toEqual(['together', 'apart']);
    expect(flat.webhookOnOverOff).toBeGreaterThan(0);
    expect(flat.webhookDrainApartOnOverOff).toBeGreaterThan(0);
    expect(results.tracing?.failures).toBe(0);
    expect(flat.tracingOnNumbersPerSec).toBeGreaterThan(0);
    // Tracing on did export, to the part's own receiver.
    expect(results.tracing?.on.exportRequests).toBeGreaterThan(0);
    expect(Object.keys(results).sort()).toEqual([
      'core',
      'e2e',
      'load',
      'oidc',
      'probes',
      'tracing',
      'validation',
      'webhooks',
    ]);
    const table = formatTable(buildRows(results));
    expect(table).toContain('service / naive');
    expect(table).not.toContain('where the time goes'); // the CPU split is --diagnose only
    expect(table).toContain('6. Tracing');
  }, 180_000);

  // The levers part is diagnosis (not run here), but its variants are SQL against the current
  // migrations: a renamed trigger or index must fail here, not in the next bench run.
  it("applies every lever's SQL to the current schema", async () => {
    const withSql = levers(250, 500).filter((lever) => lever.sql);
    expect(withSql.length).toBeGreaterThan(5);
    for (const lever of withSql) {
      const applied = await database.sql
        .begin(async (tx) => {
          await tx.unsafe(lever.sql ?? '');
          throw new RolledBack();
        })
        .catch((err: unknown) => (err instanceof RolledBack ? true : err));
      expect(applied, lever.label).toBe(true);
    }
  });
});
