import type { NumberStatus } from './statuses.ts';

/**
 * An operation on telephone numbers that runs as a job: everything that differs between
 * operations. The job machinery (create, wait, cancel, process, complete, fail, recover) is
 * the same for all of them; adding an operation is adding a definition here and registering
 * its route (see docs/architecture.md, "Where to change things").
 */
export interface Operation {
  /** Stored in `jobs.operation`, used as the BullMQ job name and as the rate-limit budget key. */
  name: OperationName;
  /** Where the API accepts it. */
  path: string;
  /**
   * Only numbers in this status move; any other status is INVALID_STATUS. Fixed once jobs have
   * run: a number's history reads a job's from/to status from here (numbers/status-changes.ts).
   */
  fromStatus: NumberStatus;
  toStatus: NumberStatus;
  /** The number's `assignable` flag after it moved. */
  assignable: boolean;
  /** Whether a move stamps `confirmed_for_removal_at` (else the column is cleared). */
  confirmsRemoval: boolean;
  /** For people: Bull Board labels ("Ready for removal · 500 numbers"). */
  title: string;
  /** The endpoint's one-line OpenAPI summary and its operationId. */
  summary: string;
  operationId: string;
  messages: {
    /** Every requested number moved. */
    allMoved: string;
    /** Some or none moved: "2 of 3 numbers …". */
    someMoved(successCount: number, requestedCount: number): string;
    /** "…; 2 <moved>" after a cancel. */
    movedVerb: string;
    /** "Dry run: 2 of 3 numbers would <wouldMove>". */
    wouldMove: string;
    /** The INVALID_STATUS detail. */
    invalidStatus(currentStatus: NumberStatus | null | undefined): string;
  };
}

export const OPERATION_NAMES = ['ready-for-removal', 'clear-removal-status'] as const;
export type OperationName = (typeof OPERATION_NAMES)[number];

export const READY_FOR_REMOVAL: Operation = {
  name: 'ready-for-removal',
  path: '/api/v3/oc/numbers/action/ready-for-removal',
  fromStatus: 'MarkedForRemoval',
  toStatus: 'ReadyForRemoval',
  assignable: false,
  confirmsRemoval: true,
  title: 'Ready for removal',
  summary: 'Transition numbers from MarkedForRemoval to ReadyForRemoval',
  operationId: 'readyForRemoval',
  messages: {
    allMoved: 'Numbers successfully transitioned to ReadyForRemoval status',
    someMoved: (moved, requested) =>
      `${moved} of ${requested} numbers transitioned to ReadyForRemoval status`,
    movedVerb: 'transitioned to ReadyForRemoval status',
    wouldMove: 'transition to ReadyForRemoval status',
    invalidStatus: (current) =>
      `The telephone number is in ${current ?? 'another'} status; only MarkedForRemoval numbers can be transitioned to ReadyForRemoval`,
  },
};

/** Puts a wrongly marked number back in service. A ReadyForRemoval number is never cleared. */
export const CLEAR_REMOVAL_STATUS: Operation = {
  name: 'clear-removal-status',
  // No /numbers/ segment, as in the original API family.
  path: '/api/v3/oc/action/clear-removal-status',
  fromStatus: 'MarkedForRemoval',
  toStatus: 'Active',
  assignable: true,
  confirmsRemoval: false,
  title: 'Clear removal status',
  summary: 'Clear the removal status of numbers (MarkedForRemoval to Active)',
  operationId: 'clearRemovalStatus',
  messages: {
    allMoved: 'Removal status successfully cleared for all numbers',
    someMoved: (moved, requested) => `${moved} of ${requested} numbers cleared of removal status`,
    movedVerb: 'cleared of removal status',
    wouldMove: 'be cleared of removal status',
    invalidStatus: (current) =>
      `The telephone number is in ${current ?? 'another'} status; only MarkedForRemoval numbers can be cleared of removal status`,
  },
};

export const OPERATIONS: Readonly<Record<OperationName, Operation>> = {
  'ready-for-removal': READY_FOR_REMOVAL,
  'clear-removal-status': CLEAR_REMOVAL_STATUS,
};

/** The operation of a name read from outside (a BullMQ job name, a jobs row), if known. */
export function operationNamed(name: string): Operation | undefined {
  return Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name as OperationName] : undefined;
}
