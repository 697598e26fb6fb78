import type { Output } from '../context.ts';

// What `keys` and `clients` share: who a key or a client mapping belongs to is an operator
// (--operator <slug>) or the platform admin role (--admin), and both list their rows as a
// plain table.

export const OWNER_OPTIONS = {
  operator: { type: 'string' },
  admin: { type: 'boolean' },
} as const;

/** Rows padded to `widths` (the last column unpadded), one line each, header first. */
export function writeTable(out: Output, rows: string[][], widths: number[]): void {
  for (const row of rows) {
    const cells = row.map((cell, i) => cell.padEnd(widths[i] ?? 0));
    out.write(`${cells.join('').trimEnd()}\n`);
  }
}
