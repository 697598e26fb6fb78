import { afterEach, describe, expect, it } from 'vitest';
import { lintMigrations } from '../../src/db/migrations/lint.ts';
import { type MigrationFolder, makeMigrationFolder } from '../support/migration-folder.ts';

// squawk as `npm run lint:migrations` runs it, on the real migrations and on made-up ones:
// the lint must pass what is safe on a running service and fail what is not.

const TABLE = {
  name: 'table',
  sql: 'CREATE TABLE "things" ("id" bigint PRIMARY KEY, "name" text NOT NULL);',
};
const BREAK = '--> statement-breakpoint\n';

let folder: MigrationFolder | undefined;
afterEach(async () => {
  await folder?.remove();
  folder = undefined;
});

async function lint(extra: { name: string; sql: string }[]) {
  folder = await makeMigrationFolder(0, [TABLE, ...extra]);
  return lintMigrations(folder.dir);
}

describe('npm run lint:migrations', () => {
  it('passes the migrations in drizzle/', () => {
    const result = lintMigrations();
    expect(result.output).not.toMatch(/warning|error/i);
    expect(result.ok).toBe(true);
  });

  const check = 'ALTER TABLE "things" ADD CONSTRAINT "things_name_ck" CHECK (length("name") > 0)';
  it.each([
    {
      what: 'a plain CREATE INDEX on an existing table',
      sql: 'CREATE INDEX "things_name_idx" ON "things" USING btree ("name");',
      says: 'require-concurrent-index-creation',
    },
    {
      what: 'a CONCURRENTLY migration that could not be run again',
      sql: 'CREATE INDEX CONCURRENTLY "things_name_idx" ON "things" ("name");',
      says: 'must be safe to run again',
    },
    {
      what: 'a constraint added without NOT VALID',
      sql: `${check};`,
      says: 'constraint-missing-not-valid',
    },
    {
      what: 'a constraint added NOT VALID and validated in the same transaction',
      sql: `${check} NOT VALID;${BREAK}ALTER TABLE "things" VALIDATE CONSTRAINT "things_name_ck";`,
      says: 'constraint-missing-not-valid',
    },
  ])('fails $what', async ({ sql, says }) => {
    const result = await lint([{ name: 'change', sql }]);
    expect(result.output).toContain(says);
    expect(result.ok).toBe(false);
  });

  it.each([
    {
      what: 'indexes built CONCURRENTLY IF NOT EXISTS (outside a transaction)',
      migrations: [
        {
          name: 'index',
          sql:
            `CREATE INDEX CONCURRENTLY IF NOT EXISTS "things_name_idx" ON "things" USING btree ("name");${BREAK}` +
            'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "things_id_name_uq" ON "things" ("id", "name");',
        },
      ],
    },
    {
      what: 'NOT VALID and VALIDATE in two migrations',
      migrations: [
        { name: 'check', sql: `${check} NOT VALID;` },
        { name: 'validate', sql: 'ALTER TABLE "things" VALIDATE CONSTRAINT "things_name_ck";' },
      ],
    },
  ])('passes $what', async ({ migrations }) => {
    const result = await lint(migrations);
    expect(result.output).not.toMatch(/warning/);
    expect(result.ok).toBe(true);
  });

  it('fails a column type change, a NOT NULL column without a default and a rename', async () => {
    for (const sql of [
      'ALTER TABLE "things" ALTER COLUMN "name" TYPE varchar(20);',
      'ALTER TABLE "things" ADD COLUMN "size" bigint NOT NULL;',
      'ALTER TABLE "things" RENAME COLUMN "name" TO "label";',
    ]) {
      await folder?.remove();
      const result = await lint([{ name: 'change', sql }]);
      expect(result.ok, sql).toBe(false);
    }
  });
});
