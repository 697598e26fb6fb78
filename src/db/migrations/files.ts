import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMigrationFiles } from 'drizzle-orm/migrator';

// The migrations in drizzle/ as drizzle-kit wrote them (meta/_journal.json, one .sql file each,
// statements split at `--> statement-breakpoint`), read with drizzle's own reader so the hash
// and timestamp we record are the ones drizzle's migrator records. What we add is the mode a
// migration runs in (docs/operations.md, "Migrations on a running service"):
// - `transaction`: all of it in one transaction, or none of it (every migration without
//   CONCURRENTLY);
// - `concurrently`: a migration with CONCURRENTLY in it. Postgres runs such a statement only
//   outside a transaction, so each statement runs on its own, and a failure half-way leaves the
//   ones before it applied. Every statement must therefore be safe to run again, and only the
//   kinds below are accepted; anything else goes in a migration of its own.

export type MigrationMode = 'transaction' | 'concurrently';

export interface Migration {
  /** The file's name without `.sql`, e.g. `0004_idempotency_keys_job_index`. */
  tag: string;
  /** The journal's `when`: recorded as `created_at`; what is newer than the last one is pending. */
  createdAt: number;
  /** SHA-256 of the file, recorded as drizzle records it. */
  hash: string;
  /** The file's statements, comment-only ones left out. */
  statements: string[];
  mode: MigrationMode;
}

/** Statements a `concurrently` migration may hold: each one is a no-op when run again. */
const RERUNNABLE = [
  /^CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+IF\s+NOT\s+EXISTS\s/i,
  /^DROP\s+INDEX\s+CONCURRENTLY\s+IF\s+EXISTS\s/i,
  /^ALTER\s+TABLE\s[^;]*\sVALIDATE\s+CONSTRAINT\s/i,
];

/** The statement without its comments (for classifying it; never run). */
export function withoutComments(statement: string): string {
  return statement
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/--[^\n]*/g, ' ')
    .trim();
}

export function modeOf(statements: readonly string[]): MigrationMode {
  return statements.some((s) => /\bCONCURRENTLY\b/i.test(withoutComments(s)))
    ? 'concurrently'
    : 'transaction';
}

export class MigrationFileError extends Error {
  override name = 'MigrationFileError';
  constructor(message: string) {
    super(message);
  }
}

/** Every migration of `folder` in journal order; throws if one breaks the rule above. */
export function readMigrations(folder: string): Migration[] {
  const journal = JSON.parse(readFileSync(join(folder, 'meta/_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  };
  const files = readMigrationFiles({ migrationsFolder: folder });
  return files.map((file, i) => {
    const tag = journal.entries[i]?.tag ?? String(i);
    const statements = file.sql.filter((s) => withoutComments(s) !== '');
    const migration: Migration = {
      tag,
      createdAt: file.folderMillis,
      hash: file.hash,
      statements,
      mode: modeOf(statements),
    };
    if (migration.mode === 'concurrently') checkRerunnable(migration);
    return migration;
  });
}

function checkRerunnable(migration: Migration): void {
  for (const statement of migration.statements) {
    const text = withoutComments(statement);
    if (!RERUNNABLE.some((kind) => kind.test(text))) {
      throw new MigrationFileError(
        `migration ${migration.tag} uses CONCURRENTLY, so it runs outside a transaction and each of its statements must be safe to run again: ` +
          `CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS, DROP INDEX CONCURRENTLY IF EXISTS or ALTER TABLE … VALIDATE CONSTRAINT. ` +
          `Move this statement to a migration of its own: ${text.slice(0, 120)}`,
      );
    }
  }
}
