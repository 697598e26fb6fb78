import type { OperationName } from '../domain/operations.ts';
import type { ItemOutcome, JobState } from '../domain/statuses.ts';

/**
 * What the worker reports as it goes, for metrics. Optional everywhere: processing never
 * depends on it.
 */
export interface JobObserver {
  /** After each committed chunk: its operation, outcomes and how long its transaction took. */
  chunkCommitted(
    operation: OperationName,
    outcomes: Readonly<Partial<Record<ItemOutcome, number>>>,
    durationMs: number,
  ): void;
  /** When a job reaches a terminal state, with its wall time from start to end. */
  jobEnded(state: JobState, durationMs: number): void;
}
