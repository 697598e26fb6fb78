import postgres from 'postgres';
import { closeDb, createDb, type Database, type Sql } from '../../src/db/client.ts';

// Shared by the tests and the benchmarks (so no vitest here): a pool on a throwaway database
// that is dropped, not just closed, when its owner is done.

export interface DatabaseHandle {
  db: Database;
  /** The raw postgres.js client of `db`. */
  sql: Sql;
  name: string;
  url: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** Opens a pool on the database `name` at `url`; `adminUrl` is where it is dropped from. */
export function openDatabaseHandle(
  url: string,
  name: string,
  applicationName: string,
  adminUrl: string,
): DatabaseHandle {
  const db = createDb(url, { poolMax: 10, applicationName });
  return {
    db,
    sql: db.$client,
    name,
    url,
    async drop() {
      await closeDb(db);
      await dropDatabaseAt(adminUrl, name);
    },
  };
}

/** Drops `name` (closing any session still on it) through a connection to `adminUrl`. */
export async function dropDatabaseAt(adminUrl: string, name: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`drop database if exists ${admin(name)} with (force)`;
  } finally {
    await admin.end({ timeout: 5 });
  }
}
