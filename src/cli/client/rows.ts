import { NOT_SUBMITTED, type RowOutcome } from './outcomes.ts';
import type { Plan } from './plan.ts';
import type { ResultsSink } from './results-file.ts';
import type { Tally } from './tally.ts';

/**
 * Emits one row per input record in file order: a batch's rows as soon as every batch before
 * it is done, invalid and repeated lines where they stand, and at the end NOT_SUBMITTED for
 * numbers never sent. A batch's outcomes are dropped once written.
 */
export function createRowWriter(plan: Plan, sink: ResultsSink | undefined, tally: Tally) {
  const ready = new Map<number, RowOutcome[]>();
  let cursor = 0;
  const emit = (telephoneNumber: string, outcome: RowOutcome) => {
    tally.add(outcome);
    sink?.row(telephoneNumber, outcome);
  };
  const advance = (final: boolean) => {
    for (; cursor < plan.records.length; cursor++) {
      const record = plan.records[cursor];
      if (!record) break;
      if (record.kind === 'invalid') {
        emit(record.value, { outcome: record.errorCode, detail: record.detail });
      } else if (record.kind === 'duplicate') {
        emit(record.number, {
          outcome: 'DUPLICATE',
          detail: `repeats line ${record.firstLine}; sent once`,
        });
      } else {
        const outcomes = ready.get(record.batch);
        if (!outcomes && !final) return;
        emit(record.number, outcomes?.[record.position] ?? { outcome: NOT_SUBMITTED });
        if (outcomes && record.position === outcomes.length - 1) ready.delete(record.batch);
      }
    }
  };
  return {
    batchDone(batch: number, outcomes: RowOutcome[]) {
      ready.set(batch, outcomes);
      advance(false);
    },
    /** Writes everything left; numbers of batches never done are NOT_SUBMITTED. */
    finish: () => advance(true),
  };
}
