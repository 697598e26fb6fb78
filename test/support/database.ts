import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { closeDb, createDb, type Database, type Sql } from '../../src/db/client.ts';
import { applyDatabaseSettings } from '../../src/db/settings.ts';
import { forTheFile } from './for-the-file.ts';
import { databaseUrl, directDatabaseUrl, PG_ADMIN_URL } from './services.ts';

export interface TestDatabase {
  db: Database;
  /** The raw postgres.js client of `db`. */
  sql: Sql;
  name: string;
  url: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** A fresh, migrated database of this test file's own, cloned from the template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `ocn_t_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin`create database ${admin(name)} template ${admin(inject('templateDatabase'))}`;
  } finally {
    await admin.end({ timeout: 5 });
  }
  // A clone does not inherit the template's ALTER DATABASE settings: store them as the
  // migrate step would.
  const direct = postgres(directDatabaseUrl(name), { max: 1, onnotice: () => {} });
  try {
    await applyDatabaseSettings(direct);
  } finally {
    await direct.end({ timeout: 5 });
  }
  const url = databaseUrl(name);
  const db = createDb(url, { poolMax: 10, applicationName: 'oc-numbers-test' });
  return {
    db,
    sql: db.$client,
    name,
    url,
    async drop() {
      await closeDb(db);
      const sql = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
      try {
        await sql`drop database if exists ${sql(name)} with (force)`;
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };
}

/** For a file that needs only a database: its own, created before its tests, dropped after. */
export function useTestDatabase(): TestDatabase {
  return forTheFile(createTestDatabase, (t) => t.drop());
}
