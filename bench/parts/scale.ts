import { spawnSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from '../context.ts';
import { createSiblingDatabase } from '../database.ts';
import {
  measureImport,
  measureReads,
  measureSyncTogether,
  type ScaleFigures,
  type SyncTarget,
  syncTarget,
} from '../scale/measure.ts';
import { type ScaleSize, seedScale } from '../scale/seed.ts';
import { startService } from '../service.ts';
import { formatTable, type Row } from '../table.ts';

// `npm run bench -- --parts scale` (never in the default run): the figures of an operator at scale on a big
// inventory (OCN_BENCH_SCALE_NUMBERS, default 5,000,000 numbers of one operator and 1,000
// customers; OCN_BENCH_SCALE_LEDGER, default 20,000,000 ledger rows over 40,000 jobs) beside
// the same figures on a 100,000-number inventory, each in a database of its own, in one run.
// Prints the table and writes bench/results-scale.json.
// OCN_BENCH_SCALE_ONLY=import measures only the import (re-import of the seeded inventory, then
// the first load into an empty database) at OCN_BENCH_SCALE_NUMBERS, without the ledger, the
// reads or the 100k comparison, and writes bench/results-scale-import.json: minutes, not an hour.

const RESULTS = fileURLToPath(new URL('../results-scale.json', import.meta.url));
const RESULTS_IMPORT = fileURLToPath(new URL('../results-scale-import.json', import.meta.url));
const MAKE_CSV = fileURLToPath(new URL('../make-inventory-csv.ts', import.meta.url));

function sizeOf(numbers: number, ledgerRows: number): ScaleSize {
  return { numbers, customers: 1000, ledgerRows, jobs: Math.max(1, Math.round(ledgerRows / 500)) };
}

interface Measured {
  figures: ScaleFigures;
  /** The inventory's service, still running for the sync requests (measureSyncTogether). */
  sync?: SyncTarget;
  close(): Promise<void>;
}

async function measureOne(
  ctx: BenchContext,
  size: ScaleSize,
  runs: number,
  importOnly = false,
): Promise<Measured> {
  const db = await createSiblingDatabase(ctx.db, ctx.config.databaseUrl, `s${size.numbers}`);
  const seedStarted = performance.now();
  ctx.log(`seeding ${size.numbers} numbers, ${size.ledgerRows} ledger rows in ${db.name}`);
  const { tenant, backfillS } = await seedScale(db.sql, size, ctx.log);
  const figures: ScaleFigures = {
    seedS: Math.round((performance.now() - seedStarted) / 1000),
    countsBackfillS: Math.round(backfillS * 10) / 10,
  };
  // The nightly sync: the same inventory as a file, imported again (nothing changes).
  const csv = join(tmpdir(), `ocn-scale-${size.numbers}.csv`);
  spawnSync(process.execPath, [
    MAKE_CSV,
    csv,
    '--rows',
    String(size.numbers),
    '--operators',
    '1',
    '--customers',
    '1000',
  ]);
  try {
    const imported = await measureImport(csv, db.url);
    figures.reimportRowsPerSec = imported.rowsPerSec;
    figures.reimportPeakRssMb = imported.peakRssMb;
    ctx.log(`re-import: ${imported.rowsPerSec} rows/s, ${imported.peakRssMb} MB`);
    if (importOnly) await db.drop();
    // The first load of that inventory, into an empty database: every row inserted.
    const empty = await createSiblingDatabase(ctx.db, ctx.config.databaseUrl, `f${size.numbers}`);
    try {
      const first = await measureImport(csv, empty.url);
      figures.firstImportRowsPerSec = first.rowsPerSec;
      figures.firstImportPeakRssMb = first.peakRssMb;
      ctx.log(`first load: ${first.rowsPerSec} rows/s, ${first.peakRssMb} MB\n${first.output}`);
    } finally {
      await empty.drop();
    }
  } finally {
    await rm(csv, { force: true });
  }
  if (importOnly) return { figures, close: async () => {} };
  const sub = { ...ctx, db, tenant };
  const service = await startService(sub, `scale${size.numbers}`, {
    RATE_LIMIT_MAX: '100000',
    READ_RATE_LIMIT_OPERATOR_MAX: '100000',
  });
  const close = async () => {
    await service.stop();
    await db.drop();
  };
  try {
    Object.assign(figures, await measureReads(service, size, tenant.operatorId, runs));
    return { figures, sync: await syncTarget(service, db.sql, SYNC_REQUESTS), close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Sync requests per inventory, taking turns with the other's. */
const SYNC_REQUESTS = 30;

export async function benchScale(ctx: BenchContext) {
  const numbers = Number(process.env.OCN_BENCH_SCALE_NUMBERS ?? 5_000_000);
  const ledger = Number(process.env.OCN_BENCH_SCALE_LEDGER ?? 20_000_000);
  const runs = ctx.sizes.runs;
  if (process.env.OCN_BENCH_SCALE_ONLY === 'import') {
    const { figures } = await measureOne(ctx, sizeOf(numbers, 0), runs, true);
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    const result = { runs, importOnly: true, big: { numbers, ledgerRows: 0, ...figures } };
    await writeFile(
      RESULTS_IMPORT,
      `${JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2)}\n`,
    );
    return result;
  }
  // The small inventory's service waits while the big one is seeded: the two take turns at the
  // sync requests at the end, in the same minutes of the machine.
  const measuredSmall = await measureOne(ctx, sizeOf(100_000, 400_000), runs);
  let small: ScaleFigures;
  let big: ScaleFigures;
  try {
    const measuredBig = await measureOne(ctx, sizeOf(numbers, ledger), runs);
    try {
      small = measuredSmall.figures;
      big = measuredBig.figures;
      if (measuredSmall.sync && measuredBig.sync) {
        const [smallP50, bigP50] = await measureSyncTogether([
          measuredSmall.sync,
          measuredBig.sync,
        ]);
        small.sync500P50Ms = smallP50 ?? 0;
        big.sync500P50Ms = bigP50 ?? 0;
      }
    } finally {
      await measuredBig.close();
    }
  } finally {
    await measuredSmall.close();
  }
  const rows: Row[] = [{ label: `100k numbers / 400k ledger rows vs ${numbers} / ${ledger}` }];
  for (const [name, value] of Object.entries(big)) {
    const before = small[name] ?? 0;
    rows.push({
      label: name,
      value: `${before} → ${value}`,
      note: before ? `×${(value / before).toFixed(2)}` : '',
    });
  }
  process.stdout.write(`${formatTable(rows)}\n`);
  const result = {
    runs,
    small: { numbers: 100_000, ledgerRows: 400_000, ...small },
    big: { numbers, ledgerRows: ledger, ...big },
  };
  await writeFile(
    RESULTS,
    `${JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2)}\n`,
  );
  return result;
}
