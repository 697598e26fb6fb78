import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../../src/db/migrate.ts';
import { MigrationFileError, modeOf, readMigrations } from '../../src/db/migrations/files.ts';
import { makeMigrationFolder } from '../support/migration-folder.ts';

describe('the migrations as db migrate reads them', () => {
  it('runs each migration in its mode, hashed as drizzle hashes it', () => {
    const migrations = readMigrations(MIGRATIONS_FOLDER);
    const modes = Object.fromEntries(migrations.map((m) => [m.tag, m.mode]));
    expect(modes).toMatchObject({
      '0000_init': 'transaction',
      '0003_ledger_is_the_job_history': 'transaction',
      '0004_idempotency_keys_job_index': 'concurrently',
    });
    for (const m of migrations) {
      const file = readFileSync(join(MIGRATIONS_FOLDER, `${m.tag}.sql`));
      expect(m.hash).toBe(createHash('sha256').update(file.toString()).digest('hex'));
    }
  });

  it('goes by statements, not by comments', () => {
    expect(
      modeOf(['-- no CREATE INDEX CONCURRENTLY here\nALTER TABLE "a" ADD COLUMN "b" text']),
    ).toBe('transaction');
    expect(modeOf(['/* note */ CREATE INDEX concurrently IF NOT EXISTS "i" ON "a" ("b")'])).toBe(
      'concurrently',
    );
  });

  it('refuses a CONCURRENTLY migration with a statement that cannot run twice', async () => {
    const folder = await makeMigrationFolder(0, [
      {
        name: 'mixed',
        sql: 'ALTER TABLE "a" ADD COLUMN "b" text;--> statement-breakpoint\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "i" ON "a" ("b");',
      },
    ]);
    try {
      expect(() => readMigrations(folder.dir)).toThrow(MigrationFileError);
      expect(() => readMigrations(folder.dir)).toThrow(/0000_mixed .*ADD COLUMN/);
    } finally {
      await folder.remove();
    }
  });
});
