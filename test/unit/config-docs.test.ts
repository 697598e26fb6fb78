import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV_VARIABLES } from '../../src/config-env.ts';

// The configuration table drifted from the code once; this keeps every setting the config
// schema reads documented in docs/operations.md, one row each, and nothing else in the table.

const OPERATIONS_MD = new URL('../../docs/operations.md', import.meta.url);

/** The first cell of every row of the table under the `## Configuration` heading. */
function documentedVariables(markdown: string): string[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Configuration\n'));
  if (!section) throw new Error('docs/operations.md has no "## Configuration" section');
  const rows = section.split('\n').filter((line) => line.startsWith('|'));
  // rows[0] is the header and rows[1] the |---| separator.
  return rows.slice(2).map((row) => row.split('|')[1]?.trim() ?? '');
}

describe('the configuration table in docs/operations.md', () => {
  const cells = documentedVariables(readFileSync(OPERATIONS_MD, 'utf8'));

  it('names one variable per row, in backticks', () => {
    expect(cells.length).toBeGreaterThan(0);
    for (const cell of cells) expect(cell).toMatch(/^`[A-Z][A-Z0-9_]*`$/);
  });

  it('has a row for every variable src/config.ts reads, and no other', () => {
    const documented = cells.map((cell) => cell.replaceAll('`', ''));
    expect([...documented].sort()).toEqual([...ENV_VARIABLES].sort());
  });
});
