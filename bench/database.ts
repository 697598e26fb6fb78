import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { closeDb, createDb, type Database, type Sql } from '../src/db/client.ts';
import { prepareDatabase } from '../src/db/migrate.ts';

export interface BenchDatabase {
  db: Database;
  /** The raw postgres.js client of `db`. */
  sql: Sql;
  name: string;
  url: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/**
 * A fresh `ocn_bench_<random>` database next to the one `baseUrl` names, migrated with the
 * service's own `prepareDatabase`, so benchmarks never touch real or test data.
 */
export async function createBenchDatabase(baseUrl: string): Promise<BenchDatabase> {
  const name = `ocn_bench_${randomBytes(5).toString('hex')}`;
  const url = withDatabase(baseUrl, name);
  await prepareDatabase(url);
  const db = createDb(url, { poolMax: 10, applicationName: 'oc-numbers-bench' });
  return {
    db,
    sql: db.$client,
    name,
    url,
    async drop() {
      await closeDb(db);
      await dropDatabase(baseUrl, name);
    },
  };
}

export async function dropDatabase(baseUrl: string, name: string): Promise<void> {
  const admin = postgres(withDatabase(baseUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    await admin`drop database if exists ${admin(name)} with (force)`;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

export function withDatabase(url: string, name: string): string {
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
}
