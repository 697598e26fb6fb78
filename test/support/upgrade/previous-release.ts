import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MIGRATIONS_FOLDER } from '../../../src/db/migrate.ts';
import { readMigrations } from '../../../src/db/migrations/files.ts';

// The previous release, checked out beside this one for the upgrade test (docs/operations.md,
// "Migrations on a running service"). Which commit that is:
// - PREVIOUS_RELEASE=<git ref> when set (e.g. a release tag, by hand);
// - else the commit before the newest migration arrived: the first parent of the commit that
//   added the newest drizzle/*.sql (on the first-parent history, so on main that is the state
//   before the merge that brought it), or HEAD while that migration is not committed yet.
// So the test always runs the code that was live before the newest migrations against them.

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function git(...args: string[]): Promise<string> {
  try {
    return (await run('git', args, { cwd: ROOT })).stdout.trim();
  } catch (err) {
    throw new Error(
      `git ${args.join(' ')} failed (the upgrade test needs the repository's history, not a shallow clone): ${(err as { stderr?: string }).stderr ?? err}`,
    );
  }
}

export async function previousReleaseRef(): Promise<{ sha: string; why: string }> {
  const given = process.env.PREVIOUS_RELEASE;
  if (given) return { sha: await git('rev-parse', '--verify', `${given}^{commit}`), why: given };
  const newest = readMigrations(MIGRATIONS_FOLDER).at(-1)?.tag;
  if (!newest) throw new Error('drizzle/ has no migration');
  const added = await git(
    'log',
    '--first-parent',
    '--diff-filter=A',
    '-1',
    '--format=%H',
    '--',
    `drizzle/${newest}.sql`,
  );
  if (!added) return { sha: await git('rev-parse', 'HEAD'), why: `HEAD (${newest} not committed)` };
  return {
    sha: await git('rev-parse', '--verify', `${added}^1`),
    why: `the parent of ${added.slice(0, 12)}, which added ${newest}`,
  };
}

/**
 * The tree of `sha` in a temporary directory (`git archive`: nothing is registered in the
 * repository, so a crashed run leaves only a directory behind), with its dependencies.
 */
export async function checkOut(sha: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ocn-previous-'));
  await run('sh', ['-c', 'git archive --format=tar "$1" | tar -x -C "$2"', 'sh', sha, dir], {
    cwd: ROOT,
  });
  if (await sameRuntimeDependencies(dir)) {
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  } else {
    await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], {
      cwd: dir,
      maxBuffer: 64 * 1024 * 1024,
    });
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * True when every package the previous release runs with (its lockfile's non-dev entries) is
 * installed here at the same version: then it runs on this checkout's node_modules.
 */
async function sameRuntimeDependencies(dir: string): Promise<boolean> {
  type Lock = { packages: Record<string, { version?: string; dev?: boolean }> };
  const read = async (root: string) =>
    JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as Lock;
  const [theirs, ours] = [await read(dir), await read(ROOT)];
  return Object.entries(theirs.packages).every(
    ([path, entry]) =>
      path === '' || entry.dev === true || ours.packages[path]?.version === entry.version,
  );
}

/** Runs the checkout's own CLI (`npm run cli -- …` there) and returns what it printed. */
export async function oldCli(dir: string, args: string[], env: Record<string, string>) {
  const { stdout } = await run(process.execPath, [join(dir, 'src/cli/index.ts'), ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
  });
  return stdout;
}
