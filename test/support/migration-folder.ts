import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS_FOLDER } from '../../src/db/migrate.ts';

// A migrations folder in drizzle-kit's layout (meta/_journal.json and one .sql file per
// entry) made for a test: the first `keep` real migrations, then `extra` ones written here.

interface JournalEntry {
  idx: number;
  version: string;
  when: number;
  tag: string;
  breakpoints: boolean;
}

export interface MigrationFolder {
  dir: string;
  /** The tags, in order. */
  tags: string[];
  remove(): Promise<void>;
}

export async function makeMigrationFolder(
  keep: number,
  extra: { name: string; sql: string }[] = [],
): Promise<MigrationFolder> {
  const real = JSON.parse(await readFile(join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8'));
  const entries: JournalEntry[] = real.entries.slice(0, keep);
  const dir = await mkdtemp(join(tmpdir(), 'ocn-migrations-'));
  await mkdir(join(dir, 'meta'));
  for (const entry of entries) {
    const file = `${entry.tag}.sql`;
    await writeFile(join(dir, file), await readFile(join(MIGRATIONS_FOLDER, file)));
  }
  let when = entries.at(-1)?.when ?? 1_700_000_000_000;
  for (const migration of extra) {
    const idx = entries.length;
    const tag = `${String(idx).padStart(4, '0')}_${migration.name}`;
    when += 1000;
    entries.push({ idx, version: '7', when, tag, breakpoints: true });
    await writeFile(join(dir, `${tag}.sql`), migration.sql);
  }
  const journal = { version: '7', dialect: 'postgresql', entries };
  await writeFile(join(dir, 'meta/_journal.json'), JSON.stringify(journal, null, 2));
  return {
    dir,
    tags: entries.map((e) => e.tag),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
