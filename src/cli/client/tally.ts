import {
  NOT_PROCESSED,
  NOT_SUBMITTED,
  type RowOutcome,
  SUCCEEDED,
  UNKNOWN,
  WOULD_SUCCEED,
} from './outcomes.ts';

// Counts every row of the run by outcome, for the summary, the --json document and the exit
// code. Every input record is counted exactly once, when its row is written.

export class Tally {
  readonly byOutcome = new Map<string, number>();
  rows = 0;

  add(outcome: RowOutcome | string): void {
    const key = typeof outcome === 'string' ? outcome : outcome.outcome;
    this.byOutcome.set(key, (this.byOutcome.get(key) ?? 0) + 1);
    this.rows++;
  }

  count(outcome: string): number {
    return this.byOutcome.get(outcome) ?? 0;
  }

  get succeeded(): number {
    return this.count(SUCCEEDED) + this.count(WOULD_SUCCEED);
  }

  get notDone(): number {
    return this.count(NOT_PROCESSED) + this.count(NOT_SUBMITTED) + this.count(UNKNOWN);
  }

  /** Numbers that failed a rule on the service (every outcome that is an error code). */
  get failedRules(): Record<string, number> {
    const failed: Record<string, number> = {};
    for (const [outcome, n] of this.byOutcome) {
      if (RULE_FAILURES.has(outcome)) failed[outcome] = n;
    }
    return failed;
  }
}

export const RULE_FAILURES = new Set([
  'NUMBER_NOT_FOUND',
  'NOT_OPERATOR_CONNECT_CUSTOMER',
  'INVALID_STATUS',
]);
