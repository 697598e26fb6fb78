import { randomBytes } from 'node:crypto';
import { prepareDatabase } from '../src/db/migrate.ts';
import {
  type DatabaseHandle,
  dropDatabaseAt,
  openDatabaseHandle,
} from '../test/support/database-handle.ts';

export type BenchDatabase = DatabaseHandle;

/**
 * A fresh `ocn_bench_<random>` database next to the one `baseUrl` names, migrated with the
 * service's own `prepareDatabase`, so benchmarks never touch real or test data.
 */
export async function createBenchDatabase(
  baseUrl: string,
  name = `ocn_bench_${randomBytes(5).toString('hex')}`,
): Promise<BenchDatabase> {
  const url = withDatabase(baseUrl, name);
  await prepareDatabase(url);
  return openDatabaseHandle(url, name, 'oc-numbers-bench', withDatabase(baseUrl, 'postgres'));
}

export function dropDatabase(baseUrl: string, name: string): Promise<void> {
  return dropDatabaseAt(withDatabase(baseUrl, 'postgres'), name);
}

/**
 * A second database beside the bench's, for a part that compares schemas side by side: named
 * after it (`<bench database>_<suffix>`), so the bench's clean-up finds and drops it too.
 */
export function createSiblingDatabase(bench: BenchDatabase, baseUrl: string, suffix: string) {
  return createBenchDatabase(baseUrl, `${bench.name}_${suffix}`);
}

/** Drops every database created by `createSiblingDatabase` for `bench`. */
export async function dropSiblingDatabases(baseUrl: string, bench: BenchDatabase): Promise<void> {
  const rows = await bench.sql<{ datname: string }[]>`
    select datname from pg_database where starts_with(datname, ${`${bench.name}_`})`;
  for (const { datname } of rows) await dropDatabase(baseUrl, datname);
}

export function withDatabase(url: string, name: string): string {
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
}
