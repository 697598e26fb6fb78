import { parseReadyForRemovalBody } from '../../src/api/validation/ready-for-removal.ts';
import type { BenchContext } from '../context.ts';
import { e164Of } from '../seed.ts';
import { type Spread, spread } from '../stats.ts';

export interface ValidationResult {
  /** µs to validate one 500-number body (E.164 + country + length + duplicates). */
  validateUsPerBody: Spread;
  /** µs for JSON.parse of the same body, for scale. */
  parseUsPerBody: Spread;
  validator: string;
}

type Validate = (body: unknown) => unknown;

/** The request-body validation the API runs, timed in batches of bodies. */
export async function benchValidation(ctx: BenchContext): Promise<ValidationResult> {
  const { validate, name } = loadValidator(ctx);
  const size = ctx.sizes.jobSize;
  const texts = Array.from({ length: ctx.sizes.validationBodies }, (_, b) =>
    JSON.stringify({
      telephoneNumbers: Array.from({ length: size }, (_, i) => e164Of(b * size + i)),
    }),
  );
  const bodies = texts.map((t) => JSON.parse(t) as unknown);
  const batches = 7;
  const perBatch = Math.max(1, Math.floor(bodies.length / batches));
  for (const body of bodies.slice(0, perBatch)) validate(body); // warm-up: JIT and metadata
  const validateSamples: number[] = [];
  const parseSamples: number[] = [];
  for (let b = 0; b < batches; b += 1) {
    const slice = { start: b * perBatch, end: (b + 1) * perBatch };
    validateSamples.push(timePerItem(bodies.slice(slice.start, slice.end), validate));
    parseSamples.push(timePerItem(texts.slice(slice.start, slice.end), JSON.parse));
  }
  ctx.log(`  validation (${name}): ${validateSamples.map(Math.round).join(', ')} µs/body`);
  return {
    validateUsPerBody: spread(validateSamples),
    parseUsPerBody: spread(parseSamples),
    validator: name,
  };
}

function timePerItem<T>(items: readonly T[], fn: (item: T) => unknown): number {
  let sink = 0;
  const started = process.hrtime.bigint();
  for (const item of items) if (fn(item)) sink += 1;
  const elapsedUs = Number(process.hrtime.bigint() - started) / 1e3;
  if (sink < 0) throw new Error('unreachable'); // keeps the results observably used
  return elapsedUs / items.length;
}

/** The API's own body validation (SPEC §3.1), exactly as the route calls it. */
function loadValidator(ctx: BenchContext): { validate: Validate; name: string } {
  const mode = ctx.config.phoneValidation;
  return {
    validate: (body) => parseReadyForRemovalBody(body, mode),
    name: `parseReadyForRemovalBody, ${mode}`,
  };
}
