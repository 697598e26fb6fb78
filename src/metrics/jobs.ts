import { Histogram, type Registry } from 'prom-client';
import { OPERATION_NAMES } from '../domain/operations.ts';
import { ITEM_OUTCOMES } from '../domain/statuses.ts';
import type { JobObserver } from '../jobs/observer.ts';
import { counterFromZero, once } from './registry.ts';

/** The states a job ends in (see `jobEnded`). */
const TERMINAL_STATES = ['completed', 'cancelled', 'failed'] as const;

/**
 * Job metrics observed where the work happens (the worker process). Counters add up across
 * worker processes in Prometheus: `sum by (outcome) (rate(ocn_numbers_processed_total[5m]))`.
 * Every label combination starts at 0, so `increase()` sees a process's first failed job too
 * (a series that appears already at 1 shows no increase).
 */
export function createJobMetricsObserver(registry: Registry): JobObserver {
  const processed = counterFromZero(registry, {
    name: 'ocn_numbers_processed_total',
    help: 'Telephone numbers processed by this process, by operation and outcome.',
    labels: { operation: OPERATION_NAMES, outcome: ITEM_OUTCOMES },
  });
  const ended = counterFromZero(registry, {
    name: 'ocn_jobs_ended_total',
    help: 'Jobs this process saw reach a terminal state, by state.',
    labels: { state: TERMINAL_STATES },
  });
  const jobDuration = once(
    registry,
    'ocn_job_duration_seconds',
    () =>
      new Histogram({
        name: 'ocn_job_duration_seconds',
        help: 'Wall time of a job from its start to its terminal state, by state.',
        labelNames: ['state'],
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
        registers: [registry],
      }),
  );
  const chunkDuration = once(
    registry,
    'ocn_chunk_duration_seconds',
    () =>
      new Histogram({
        name: 'ocn_chunk_duration_seconds',
        help: "Time of one chunk's transaction (up to WORKER_CHUNK_SIZE numbers), by operation.",
        labelNames: ['operation'],
        // 250 numbers at 20,000 numbers/s is 12.5 ms; seconds mean lock waits or a slow disk.
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [registry],
      }),
  );
  const perNumber = once(
    registry,
    'ocn_number_latency_seconds',
    () =>
      new Histogram({
        name: 'ocn_number_latency_seconds',
        help: "Processing time per number: its chunk transaction's time divided by the chunk's numbers.",
        // 20,000 numbers/s is 50 µs a number; the naive one-transaction-per-number is ~1 ms.
        buckets: [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.1],
        registers: [registry],
      }),
  );

  return {
    chunkCommitted(operation, outcomes, durationMs) {
      let count = 0;
      for (const [outcome, n] of Object.entries(outcomes)) {
        if (!n) continue;
        processed.inc({ operation, outcome }, n);
        count += n;
      }
      if (count === 0) return;
      chunkDuration.observe({ operation }, durationMs / 1000);
      // One observation per number (a chunk holds at most 500), so the histogram's count is
      // the number of numbers and its quantiles are per number.
      const seconds = durationMs / 1000 / count;
      for (let i = 0; i < count; i++) perNumber.observe(seconds);
    },
    jobEnded(state, durationMs) {
      ended.inc({ state });
      jobDuration.observe({ state }, durationMs / 1000);
    },
  };
}
