import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { applyDatabaseSettings } from '../../src/db/settings.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { directDatabaseUrl, PG_ADMIN_URL } from '../support/services.ts';

// The dead-client check is stored on the database by the migrate step (a pooler refuses it as
// a startup parameter), so every new session has it, and a role that may not ALTER DATABASE
// gets a warning instead of a failed migration.

let t: TestDatabase;
const role = `ocn_t_role_${randomBytes(4).toString('hex')}`;
const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });

beforeAll(async () => {
  t = await createTestDatabase();
  await admin.unsafe(`create role ${role} login`);
});
afterAll(async () => {
  await t?.drop();
  await admin.unsafe(`drop role if exists ${role}`);
  await admin.end({ timeout: 5 });
});

function connectAs(user?: string) {
  const url = new URL(directDatabaseUrl(t.name));
  if (user) url.username = user;
  return postgres(url.toString(), { max: 1, onnotice: () => {} });
}

describe('database settings', () => {
  it('are stored on the database, and new sessions have them', async () => {
    const owner = connectAs();
    try {
      await owner.unsafe(`alter database "${t.name}" reset client_connection_check_interval`);
      const fresh = connectAs();
      const [before] = await fresh`show client_connection_check_interval`;
      await fresh.end();
      expect(before?.client_connection_check_interval).toBe('0');
      expect(await applyDatabaseSettings(owner)).toBe(true);
      const next = connectAs();
      const [after] = await next`show client_connection_check_interval`;
      await next.end();
      expect(after?.client_connection_check_interval).toBe('1s');
    } finally {
      await owner.end();
    }
  });

  it('warn and leave the database alone for a role that may not alter it', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const other = connectAs(role);
    try {
      expect(await applyDatabaseSettings(other)).toBe(false);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/could not ALTER DATABASE .*\(42501\)/);
    } finally {
      warn.mockRestore();
      await other.end();
    }
  });
});
