// OCN_IMPORT_TIMINGS=1: the seconds an import spends in each step, summed over its chunks and
// parts, written to stderr at its end (the scale bench passes the variable on). Without it,
// `timed` only calls its function.

const steps = process.env.OCN_IMPORT_TIMINGS === '1' ? new Map<string, number>() : undefined;

/** Runs `fn`, adding its seconds to `step` when timings are on. */
export async function timed<T>(step: string, fn: () => Promise<T>): Promise<T> {
  if (!steps) return fn();
  const started = performance.now();
  try {
    return await fn();
  } finally {
    steps.set(step, (steps.get(step) ?? 0) + (performance.now() - started) / 1000);
  }
}

/** Sets `step` to a wall time the caller measured, when timings are on. */
export function setTiming(step: string, seconds: number): void {
  steps?.set(step, seconds);
}

/** Writes the steps' seconds to stderr when timings are on. */
export function reportTimings(): void {
  if (!steps) return;
  const line = [...steps].map(([step, s]) => `${step} ${s.toFixed(2)}`).join(', ');
  process.stderr.write(`import timings (s): ${line}\n`);
}
