// The states of the domain: a number's status, a job's state, a position's outcome. The
// database's enum types are built from these lists (src/db/tables.ts), and the client reads them
// too, so this file imports nothing.

/** Number statuses in API spelling; their numeric codes are `STATUS_CODE`. */
export const NUMBER_STATUSES = [
  'Active',
  'ReleaseRequested',
  'MarkedForRemoval',
  'ReadyForRemoval',
] as const;
export type NumberStatus = (typeof NUMBER_STATUSES)[number];

/** The numeric codes of the original API's statuses. */
export const STATUS_CODE = {
  Active: 0,
  ReleaseRequested: 1,
  MarkedForRemoval: 2,
  ReadyForRemoval: 3,
} as const satisfies Readonly<Record<NumberStatus, number>>;

export function isNumberStatus(value: string): value is NumberStatus {
  return (NUMBER_STATUSES as readonly string[]).includes(value);
}

export const JOB_STATES = ['queued', 'active', 'completed', 'cancelled', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** The per-number outcomes of an operation job (the same four for every operation). */
export const ITEM_OUTCOMES = [
  'SUCCEEDED',
  'NUMBER_NOT_FOUND',
  'NOT_OPERATOR_CONNECT_CUSTOMER',
  'INVALID_STATUS',
] as const;
export type ItemOutcome = (typeof ITEM_OUTCOMES)[number];
