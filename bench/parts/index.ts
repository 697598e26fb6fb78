import type { BenchContext } from '../context.ts';
import { benchValidation, type ValidationResult } from './validation.ts';
import { benchWorkerCore, type WorkerCoreResult } from './worker-core.ts';

export interface Results {
  core?: WorkerCoreResult;
  validation?: ValidationResult;
}

interface Part {
  title: string;
  run(ctx: BenchContext, results: Results): Promise<void>;
}

/** The parts in the order they run (and print). */
export const PARTS = {
  core: {
    title: 'worker core vs naive loop vs bulk-UPDATE floor',
    run: async (ctx, results) => {
      results.core = await benchWorkerCore(ctx);
    },
  },
  validation: {
    title: 'validating a 500-number body',
    run: async (ctx, results) => {
      results.validation = await benchValidation(ctx);
    },
  },
} satisfies Record<string, Part>;

export type PartName = keyof typeof PARTS;
