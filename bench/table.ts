// Plain-text table for the terminal (and, with `markdown`, for the README).

export interface Row {
  /** A section heading row when only `label` is set. */
  label: string;
  value?: string;
  note?: string;
}

export function formatTable(rows: readonly Row[], markdown = false): string {
  if (markdown) return formatMarkdown(rows);
  const labelWidth = Math.max(
    ...rows.filter((r) => r.value !== undefined).map((r) => r.label.length),
  );
  const valueWidth = Math.max(...rows.map((r) => (r.value ?? '').length));
  return rows
    .map((r) =>
      r.value === undefined
        ? `\n${r.label}`
        : `  ${r.label.padEnd(labelWidth)}  ${r.value.padStart(valueWidth)}  ${r.note ?? ''}`.trimEnd(),
    )
    .join('\n');
}

function formatMarkdown(rows: readonly Row[]): string {
  const lines = ['| measure | value | notes |', '|---|---:|---|'];
  for (const r of rows) {
    lines.push(
      r.value === undefined
        ? `| **${r.label.trim()}** | | |`
        : `| ${r.label} | ${r.value} | ${r.note ?? ''} |`,
    );
  }
  return lines.join('\n');
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** 23,456 for big numbers, 12.3 for small ones. */
export function num(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 100) return integer.format(value);
  return Math.abs(value) >= 1 ? oneDecimal.format(value) : twoDecimals.format(value);
}

export function ms(value: number): string {
  return `${num(value)} ms`;
}

/** 12.3× (1.0× and up), 0.58× (below: where one decimal would hide the difference). */
export function ratio(value: number): string {
  return Number.isFinite(value) ? `${num(value)}×` : 'n/a';
}

/** "median (min–max)" for a spread of samples. */
export function withRange(median: number, min: number, max: number, unit = ''): string {
  return `${num(median)}${unit} (${num(min)}–${num(max)})`;
}
