import type { BenchContext } from './context.ts';
import { PARTS, type PartName, type Results, runPart } from './parts/index.ts';

export const PART_NAMES = Object.keys(PARTS) as PartName[];
const onlyWhenNamed = (name: PartName) =>
  (PARTS[name] as { onlyWhenNamed?: true }).onlyWhenNamed === true;
/** What `--diagnose` runs: every part but those that run only when named. */
export const DIAGNOSE_PART_NAMES = PART_NAMES.filter((name) => !onlyWhenNamed(name));
/** What `npm run bench` measures by default: the product, without the diagnosis parts. */
export const CORE_PART_NAMES = DIAGNOSE_PART_NAMES.filter(
  (name) => !(PARTS[name] as { diagnosis?: true }).diagnosis,
);

export function isPartName(name: string): name is PartName {
  return name in PARTS;
}

/** Runs the named parts in order on one context; each adds its figures to the results. */
export async function runParts(ctx: BenchContext, names: readonly PartName[]): Promise<Results> {
  const results: Results = {};
  for (const name of names) {
    ctx.log(`\n[${name}] ${PARTS[name].title}`);
    // No part pays for the previous one's dead rows: autovacuum would otherwise start on the
    // tables the previous part churned through, in the middle of this part's measurements.
    await ctx.db.sql`vacuum (analyze)`;
    const started = Date.now();
    await runPart(name, ctx, results);
    ctx.log(`[${name}] done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return results;
}
