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
export async function createBenchDatabase(baseUrl: string): Promise<BenchDatabase> {
  const name = `ocn_bench_${randomBytes(5).toString('hex')}`;
  const url = withDatabase(baseUrl, name);
  await prepareDatabase(url);
  return openDatabaseHandle(url, name, 'oc-numbers-bench', withDatabase(baseUrl, 'postgres'));
}

export function dropDatabase(baseUrl: string, name: string): Promise<void> {
  return dropDatabaseAt(withDatabase(baseUrl, 'postgres'), name);
}

export function withDatabase(url: string, name: string): string {
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
}
