import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A Node that cannot strip types (an old system Node, picked when node_modules/.bin/node is
// missing) is stopped by src/check-node.mjs with a message naming the cause, before it meets
// the first `.ts` file. `--no-experimental-strip-types` makes this Node 24 such a Node.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GUARD = './src/check-node.mjs';

function run(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, timeout: 20_000 }, (err, _stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr });
    });
  });
}

describe('the Node check in front of every entry point', () => {
  it('stops a Node that cannot strip types with a message that names the cause', async () => {
    const stopped = await run([
      '--no-experimental-strip-types',
      '--import',
      GUARD,
      'src/cli/index.ts',
      '--help',
    ]);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('cannot run TypeScript');
    expect(stopped.stderr).toContain('node_modules/.bin/node');
    expect(stopped.stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
  });

  it('lets a Node that strips types run on', async () => {
    expect(await run(['--import', GUARD, 'src/cli/index.ts', '--help'])).toMatchObject({ code: 0 });
  });

  it('runs first in every npm script that starts Node on TypeScript', () => {
    const { scripts } = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as {
      scripts: Record<string, string>;
    };
    const unguarded = Object.entries(scripts)
      .filter(([, command]) => /^node .*\.ts\b/.test(command))
      .filter(([, command]) => !command.startsWith(`node --import ${GUARD} `))
      .map(([name]) => name);
    expect(unguarded).toEqual([]);
    const launcher = readFileSync(`${ROOT}/src/cli/oc-numbers.sh`, 'utf8');
    expect(launcher).toContain('--import "$root/src/check-node.mjs"');
  });
});
