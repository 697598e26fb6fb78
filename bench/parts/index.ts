import type { BenchContext } from '../context.ts';
import { benchAdmittedLoad } from './admitted-load.ts';
import { benchBounds } from './bounds.ts';
import { benchCounters } from './counters.ts';
import { benchEndToEnd } from './end-to-end.ts';
import { benchLevers } from './levers.ts';
import { benchOidc } from './oidc.ts';
import { probeMachine } from './probes.ts';
import { benchRetention } from './retention.ts';
import { benchScale } from './scale.ts';
import { benchScaling } from './scaling.ts';
import { benchTracing } from './tracing.ts';
import { benchValidation } from './validation.ts';
import { benchWebhooks } from './webhooks.ts';
import { benchWorkerCore } from './worker-core.ts';

interface Part {
  title: string;
  /** Explains the figures rather than measuring the product: runs with `--diagnose` only. */
  diagnosis?: true;
  /** Runs only when named in `--parts` (it builds databases of millions of rows). */
  onlyWhenNamed?: true;
  /** The part's figures; the report finds them under the part's name. */
  measure(ctx: BenchContext): Promise<unknown>;
}

/** The parts in the order they run (and print). */
export const PARTS = {
  probes: {
    title: 'machine: Postgres round trip and commit (WAL flush) latency',
    measure: probeMachine,
  },
  core: {
    title: 'worker core vs naive loop vs bulk-UPDATE floor',
    measure: benchWorkerCore,
  },
  bounds: {
    title: 'what bounds the worker: runJob without commit flush, without reference checks',
    diagnosis: true,
    measure: benchBounds,
  },
  levers: {
    title: 'what each lever is worth: runJob on schema variants, side by side',
    diagnosis: true,
    measure: benchLevers,
  },
  e2e: {
    title: 'synchronous 500-number requests over HTTP, warm service',
    measure: benchEndToEnd,
  },
  load: {
    title: 'the full admitted load (global rate-limit budget)',
    measure: benchAdmittedLoad,
  },
  oidc: {
    title: 'OpenID Connect access tokens beside API keys: added latency, JWKS fetches under load',
    measure: benchOidc,
  },
  validation: {
    title: 'validating a 500-number body',
    measure: benchValidation,
  },
  webhooks: {
    title: 'webhooks: job end to receiver at the admitted load; worker throughput on vs off',
    measure: benchWebhooks,
  },
  scaling: {
    title: 'scaling with concurrent jobs and worker processes',
    diagnosis: true,
    measure: benchScaling,
  },
  tracing: {
    title: 'tracing on (always-on sampler, local OTLP receiver) vs off',
    measure: benchTracing,
  },
  scale: {
    title: 'an operator at scale: reads, import and a sync request on 5M numbers vs 100k',
    onlyWhenNamed: true,
    measure: benchScale,
  },
  retention: {
    title: 'retention deleting old jobs under the admitted load; table sizes over cycles',
    onlyWhenNamed: true,
    measure: benchRetention,
  },
  counters: {
    title: "exact counters: a worker's jobs at once on the same customer vs a customer each",
    onlyWhenNamed: true,
    measure: benchCounters,
  },
} satisfies Record<string, Part>;

export type PartName = keyof typeof PARTS;

/** The figures of the parts that ran, each under its part's name. */
export type Results = {
  -readonly [K in PartName]?: Awaited<ReturnType<(typeof PARTS)[K]['measure']>>;
};

/** Runs one part and files its figures under its name. */
export async function runPart<K extends PartName>(
  name: K,
  ctx: BenchContext,
  results: Results,
): Promise<void> {
  results[name] = (await PARTS[name].measure(ctx)) as Results[K];
}
