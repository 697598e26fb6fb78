import type { BenchContext } from '../context.ts';
import { type AdmittedLoadResult, benchAdmittedLoad } from './admitted-load.ts';
import { type BoundsResult, benchBounds } from './bounds.ts';
import { benchEndToEnd, type EndToEndResult } from './end-to-end.ts';
import { type ProbeResult, probeMachine } from './probes.ts';
import { benchScaling, type ScalingResult } from './scaling.ts';
import { benchValidation, type ValidationResult } from './validation.ts';
import { benchWorkerCore, type WorkerCoreResult } from './worker-core.ts';

export interface Results {
  probes?: ProbeResult;
  core?: WorkerCoreResult;
  bounds?: BoundsResult;
  e2e?: EndToEndResult;
  load?: AdmittedLoadResult;
  validation?: ValidationResult;
  scaling?: ScalingResult;
}

interface Part {
  title: string;
  /** Explains the figures rather than measuring the product: runs with `--diagnose` only. */
  diagnosis?: true;
  run(ctx: BenchContext, results: Results): Promise<void>;
}

/** The parts in the order they run (and print). */
export const PARTS = {
  probes: {
    title: 'machine: Postgres round trip and commit (WAL flush) latency',
    run: async (ctx, results) => {
      results.probes = await probeMachine(ctx);
    },
  },
  core: {
    title: 'worker core vs naive loop vs bulk-UPDATE floor',
    run: async (ctx, results) => {
      results.core = await benchWorkerCore(ctx);
    },
  },
  bounds: {
    title: 'what bounds the worker: runJob without commit flush, without FK checks',
    diagnosis: true,
    run: async (ctx, results) => {
      results.bounds = await benchBounds(ctx);
    },
  },
  e2e: {
    title: 'synchronous 500-number requests over HTTP, warm service',
    run: async (ctx, results) => {
      results.e2e = await benchEndToEnd(ctx);
    },
  },
  load: {
    title: 'the full admitted load (global rate-limit budget)',
    run: async (ctx, results) => {
      results.load = await benchAdmittedLoad(ctx);
    },
  },
  validation: {
    title: 'validating a 500-number body',
    run: async (ctx, results) => {
      results.validation = await benchValidation(ctx);
    },
  },
  scaling: {
    title: 'scaling with concurrent jobs and worker processes',
    diagnosis: true,
    run: async (ctx, results) => {
      results.scaling = await benchScaling(ctx);
    },
  },
} satisfies Record<string, Part>;

export type PartName = keyof typeof PARTS;
