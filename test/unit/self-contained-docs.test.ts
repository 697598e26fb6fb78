import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Code comments and docs point at documents inside this repository (docs/…), never at notes a
// reader of the repository does not have: a product spec, library notes, a style guide or an
// issue tracker's numbers.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUTSIDE = [
  /\bSPEC(\.md| §)/,
  /LIBRARY-NOTES/,
  /STYLE\.md/,
  /\.\.\/shared\//,
  /\(issue \d+\)|\bissue #?\d+\b/i,
];
// This file names the patterns it forbids.
const SELF = 'test/unit/self-contained-docs.test.ts';

function trackedTextFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
  return out
    .split('\0')
    .filter((f) =>
      /\.(ts|mjs|js|md|yml|json|sh)$|^\.ci\/run$|^Dockerfile$|^\.env\.example$/.test(f),
    )
    .filter((f) => f !== SELF && f !== 'package-lock.json' && !f.startsWith('drizzle/meta/'));
}

describe('the repository is self-contained', () => {
  it('cites no document outside it, in code comments or docs', () => {
    const offending: string[] = [];
    for (const file of trackedTextFiles()) {
      const lines = readFileSync(`${ROOT}/${file}`, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (OUTSIDE.some((re) => re.test(line))) offending.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offending).toEqual([]);
  });
});
