// The value lists behind the database's enum types. They live here, beside the schema, so the
// schema depends on nothing above it; the domain modules import their types from this file.

/** Number statuses in API spelling; their numeric codes are in `numbers/status.ts`. */
export const NUMBER_STATUSES = [
  'Active',
  'ReleaseRequested',
  'MarkedForRemoval',
  'ReadyForRemoval',
] as const;
export type NumberStatus = (typeof NUMBER_STATUSES)[number];

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
