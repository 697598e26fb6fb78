import type { Config } from '../src/config.ts';
import type { BenchDatabase } from './database.ts';
import type { NumberAllocator, Tenant } from './seed.ts';

/** What every benchmark part gets: the isolated database, a seeded tenant and the sizes. */
export interface BenchContext {
  config: Config;
  db: BenchDatabase;
  tenant: Tenant;
  numbers: NumberAllocator;
  /** BullMQ prefix of this run only; deleted at the end. */
  queuePrefix: string;
  sizes: Sizes;
  /** `--diagnose`: also split the time into Node CPU, Postgres CPU and waits. */
  diagnose: boolean;
  log(message: string): void;
}

export interface Sizes {
  /** Numbers per job / request: the API maximum. */
  jobSize: number;
  /** Measured runs per method (the median and spread are over these). */
  runs: number;
  /** Jobs per run for the fast methods (service, floor) and for the naive loop. */
  jobsPerRun: number;
  naiveJobsPerRun: number;
  naiveJobSize: number;
  /** Sequential synchronous HTTP requests measured (after `httpWarmup`). */
  httpRequests: number;
  httpWarmup: number;
  /** How long the admitted-load part offers the full budget. */
  loadSeconds: number;
  validationBodies: number;
  scalingJobs: number;
  /** Jobs in flight for the in-process scaling runs. */
  scalingConcurrency: number[];
  /** Worker-process layouts measured through BullMQ. */
  fleets: { processes: number; concurrency: number }[];
}

const FLEETS = [
  { processes: 1, concurrency: 4 },
  { processes: 2, concurrency: 2 },
];

export const FULL: Sizes = {
  jobSize: 500,
  runs: 7,
  jobsPerRun: 20,
  naiveJobsPerRun: 1,
  naiveJobSize: 500,
  httpRequests: 200,
  httpWarmup: 20,
  loadSeconds: 60,
  validationBodies: 700,
  scalingJobs: 24,
  scalingConcurrency: [1, 2, 4],
  fleets: FLEETS,
};

/** Under a minute in total, for development. */
export const QUICK: Sizes = {
  jobSize: 500,
  runs: 2,
  jobsPerRun: 4,
  naiveJobsPerRun: 1,
  naiveJobSize: 100,
  httpRequests: 20,
  httpWarmup: 3,
  loadSeconds: 5,
  validationBodies: 70,
  scalingJobs: 4,
  scalingConcurrency: [1, 2, 4],
  fleets: FLEETS,
};
