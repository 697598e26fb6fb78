import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, prepareDatabase } from '../../src/db/migrate.ts';
import { databaseUrl, PG_ADMIN_URL } from '../support/services.ts';

// The admin-role migration on a database that already holds keys: an admin key made when admin
// keys still belonged to an operator is detached from it (its hand-written data step), so the
// check constraint that follows holds; operator keys keep their operator.

const MIGRATION = '0002_admin_platform_role';
const name = `ocn_t_mig_${randomBytes(4).toString('hex')}`;
const url = databaseUrl(name);
let dir: string;

beforeAll(async () => {
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin`create database ${admin(name)}`;
  } finally {
    await admin.end({ timeout: 5 });
  }
  // The migrations folder as it was just before the admin-role migration.
  dir = await mkdtemp(join(tmpdir(), 'ocn-migrations-'));
  await cp(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalPath = join(dir, 'meta/_journal.json');
  const journal = JSON.parse(await readFile(journalPath, 'utf8'));
  const at = journal.entries.findIndex((e: { tag: string }) => e.tag === MIGRATION);
  expect(at).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, at);
  await writeFile(journalPath, JSON.stringify(journal));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin`drop database if exists ${admin(name)} with (force)`;
  } finally {
    await admin.end({ timeout: 5 });
  }
});

describe(`migration ${MIGRATION}`, () => {
  it('detaches existing admin keys from their operator and keeps operator keys', async () => {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await migrate(drizzle(sql), { migrationsFolder: dir });
      const [operator] = await sql<{ id: string }[]>`
        insert into operators (slug) values ('legacy') returning id`;
      const operatorId = operator?.id as string;
      await sql`
        insert into api_keys (operator_id, prefix, key_hash, role) values
          (${operatorId}, 'ocn_adminOld', 'hash-admin', 'admin'),
          (${operatorId}, 'ocn_operator', 'hash-operator', 'operator')`;

      await prepareDatabase(url);

      const keys = await sql<{ prefix: string; operator_id: string | null }[]>`
        select prefix, operator_id from api_keys order by prefix`;
      expect(keys).toEqual([
        { prefix: 'ocn_adminOld', operator_id: null },
        { prefix: 'ocn_operator', operator_id: operatorId },
      ]);
      // From now on the role and the operator agree.
      await expect(
        sql`insert into api_keys (operator_id, prefix, key_hash, role)
            values (${operatorId}, 'ocn_adminNew', 'hash-new', 'admin')`,
      ).rejects.toMatchObject({ code: '23514' });
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
});
