import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryCsv } from '../support/cli-harness.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { uniqueE164 } from '../support/factories.ts';

// The real entry point as a child process: argv, exit codes and the streams it writes.
const ENTRY = fileURLToPath(new URL('../../src/cli/index.ts', import.meta.url));

let t: TestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'ocn-cli-'));
});
afterAll(async () => {
  await t.drop();
  await rm(dir, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [ENTRY, ...args],
      { env: { PATH: process.env.PATH, DATABASE_URL: t.url }, timeout: 50_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('cli process', () => {
  // Generous timeouts: each child loads the database driver, slow on a busy 2-core machine.
  it('prints help with exit code 0 and rejects unknown commands with 2', {
    timeout: 60_000,
  }, async () => {
    const help = await run(['--help']);
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('numbers import') });
    expect((await run(['numbers', 'import', '--help'])).stdout).toContain('telephoneNumber,status');
    expect(await run(['frobnicate'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown command'),
    });
  });

  it('imports a small file: exit 1 with the bad line on stderr, then 0 once it is fixed', {
    timeout: 120_000,
  }, async () => {
    const [good, fixed] = [uniqueE164(), uniqueE164()];
    /** `numbers import` of a file with the good number and `fixed` in `fixedStatus`. */
    const importWith = async (fixedStatus: string) => {
      const file = join(dir, 'inventory.csv');
      await writeFile(
        file,
        inventoryCsv([
          [good, 'Active', 'acme', '', ''],
          [fixed, fixedStatus, 'acme', '', ''],
        ]),
      );
      return run(['numbers', 'import', file]);
    };
    const first = await importWith('Gone');
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(new RegExp(`^line 3: \\${fixed}: unknown status "Gone"`, 'm'));
    expect(first.stdout).toMatch(/inserted\s+1\n/);

    const second = await importWith('Active');
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(second.stdout).toMatch(/inserted\s+1\n[\s\S]*unchanged\s+1\n/);
  });
});
