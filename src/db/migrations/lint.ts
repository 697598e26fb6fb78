import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MigrationFileError, type MigrationMode, readMigrations } from './files.ts';

// `npm run lint:migrations` (and .ci/run): squawk over the migrations, each linted as
// `db migrate` runs it. A `transaction` migration is linted with --assume-in-transaction (so,
// e.g., NOT VALID and VALIDATE in one file is an error, and re-runnability is not asked for);
// a `concurrently` one without it (so each statement must be re-runnable). The rules and the
// migrations exempt from them are in .squawk.toml, whose paths are relative to the repository.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SQUAWK = createRequire(import.meta.url).resolve('squawk-cli/js/bin/squawk');
const MIGRATIONS = join(ROOT, 'drizzle');

const MODE_ARGS: Record<MigrationMode, string[]> = {
  transaction: ['--assume-in-transaction'],
  concurrently: ['--no-assume-in-transaction'],
};

export interface LintResult {
  ok: boolean;
  /** squawk's report (or why the folder could not be read). */
  output: string;
}

/** Lints every migration of `folder` (drizzle-kit's layout) with squawk. */
export function lintMigrations(folder = MIGRATIONS): LintResult {
  let migrations: ReturnType<typeof readMigrations>;
  try {
    migrations = readMigrations(folder);
  } catch (err) {
    if (err instanceof MigrationFileError) return { ok: false, output: `${err.message}\n` };
    throw err;
  }
  let ok = true;
  let output = '';
  for (const mode of ['transaction', 'concurrently'] as const) {
    const files = migrations
      .filter((m) => m.mode === mode)
      .map((m) => {
        const path = relative(ROOT, join(folder, `${m.tag}.sql`));
        return path.startsWith('..') || isAbsolute(path) ? join(folder, `${m.tag}.sql`) : path;
      });
    if (files.length === 0) continue;
    const how = mode === 'transaction' ? 'each in a transaction' : 'outside a transaction';
    output += `squawk on ${files.length} migration(s) run ${how} (skipping those .squawk.toml exempts):\n`;
    const squawk = spawnSync(
      process.execPath,
      [
        SQUAWK,
        '--config',
        join(ROOT, '.squawk.toml'),
        // Every file may be one .squawk.toml exempts.
        '--no-error-on-unmatched-pattern',
        ...MODE_ARGS[mode],
        ...files,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (squawk.error) throw squawk.error;
    // Said (not failed) when every file given is exempt: no news.
    output += (squawk.stdout + squawk.stderr).replace(
      /^Failed to find files for provided.*\n/m,
      '',
    );
    if (squawk.status !== 0) ok = false;
  }
  return { ok, output };
}

if (import.meta.main) {
  const result = lintMigrations();
  process.stdout.write(result.output);
  if (result.ok) process.stdout.write('migrations: squawk found nothing unsafe\n');
  process.exitCode = result.ok ? 0 : 1;
}
