import { parseNumbersBody } from '../../src/api/views/numbers-body.ts';
import type { BenchContext } from '../context.ts';
import { e164Of } from '../seed.ts';
import { type Spread, spread } from '../stats.ts';

export interface ValidationResult {
  validator: string;
  /** µs per 500-number body whose numbers the process has never seen (the usual case). */
  coldUsPerBody: Spread;
  /** µs per body seen before: the API memoises per-number verdicts. */
  warmUsPerBody: Spread;
  /** µs for JSON.parse of the same body, for scale. */
  parseUsPerBody: Spread;
}

const BATCHES = 7;
const WARM_BODIES = 20;

/** Part 4: the API's body validation (docs/api.md, "Errors"), exactly as the route calls it. */
export async function benchValidation(ctx: BenchContext): Promise<ValidationResult> {
  const mode = ctx.config.phoneValidation;
  const validate = (body: unknown) => parseNumbersBody(body, mode);
  const size = ctx.sizes.jobSize;
  const perBatch = Math.max(1, Math.floor(ctx.sizes.validationBodies / BATCHES));
  // Warm-up (JIT, metadata) on numbers far from the measured ones, so no verdict is reused.
  const warmUp = makeBodies(perBatch, size, 5_000_000);
  const texts = makeBodies(perBatch * BATCHES, size, 0);
  const bodies = texts.map((t) => JSON.parse(t) as unknown);
  for (const t of warmUp) validate(JSON.parse(t));
  const cold: number[] = [];
  const parse: number[] = [];
  for (let b = 0; b < BATCHES; b += 1) {
    cold.push(timePerItem(bodies.slice(b * perBatch, (b + 1) * perBatch), validate));
    parse.push(timePerItem(texts.slice(b * perBatch, (b + 1) * perBatch), JSON.parse));
  }
  const seen = bodies.slice(0, Math.min(WARM_BODIES, bodies.length));
  for (const body of seen) validate(body);
  const warm = Array.from({ length: BATCHES }, () => timePerItem(seen, validate));
  ctx.log(
    `  cold ${cold.map(Math.round).join(', ')} µs/body; warm ${warm.map(Math.round).join(', ')}`,
  );
  return {
    validator: `parseNumbersBody, ${mode}`,
    coldUsPerBody: spread(cold),
    warmUsPerBody: spread(warm),
    parseUsPerBody: spread(parse),
  };
}

function makeBodies(count: number, size: number, offset: number): string[] {
  return Array.from({ length: count }, (_, b) =>
    JSON.stringify({
      telephoneNumbers: Array.from({ length: size }, (_, i) => e164Of(offset + b * size + i)),
    }),
  );
}

function timePerItem<T>(items: readonly T[], fn: (item: T) => unknown): number {
  let kept = 0;
  const started = process.hrtime.bigint();
  for (const item of items) if (fn(item)) kept += 1;
  const elapsedUs = Number(process.hrtime.bigint() - started) / 1e3;
  if (kept < 0) throw new Error('unreachable'); // keeps the results observably used
  return elapsedUs / items.length;
}
