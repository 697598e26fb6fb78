import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { applyDatabaseSettings } from '../../src/db/settings.ts';
import { type DatabaseHandle, openDatabaseHandle } from './database-handle.ts';
import { forTheFile } from './for-the-file.ts';
import { databaseUrl, directDatabaseUrl, PG_ADMIN_URL } from './services.ts';

export type TestDatabase = DatabaseHandle;

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
  return openDatabaseHandle(databaseUrl(name), name, 'oc-numbers-test', PG_ADMIN_URL);
}

/** For a file that needs only a database: its own, created before its tests, dropped after. */
export function useTestDatabase(): TestDatabase {
  return forTheFile(createTestDatabase, (t) => t.drop());
}
