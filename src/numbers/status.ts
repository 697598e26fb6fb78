// Number statuses in API spelling, with the numeric codes of the original API (SPEC §2).
export const NUMBER_STATUSES = [
  'Active',
  'ReleaseRequested',
  'MarkedForRemoval',
  'ReadyForRemoval',
] as const;

export type NumberStatus = (typeof NUMBER_STATUSES)[number];

export const STATUS_CODE: Readonly<Record<NumberStatus, number>> = {
  Active: 0,
  ReleaseRequested: 1,
  MarkedForRemoval: 2,
  ReadyForRemoval: 3,
};

export function isNumberStatus(value: string): value is NumberStatus {
  return (NUMBER_STATUSES as readonly string[]).includes(value);
}

/** The per-number outcomes of a ready-for-removal job (SPEC §3.6). */
export const ITEM_OUTCOMES = [
  'SUCCEEDED',
  'NUMBER_NOT_FOUND',
  'NOT_OPERATOR_CONNECT_CUSTOMER',
  'INVALID_STATUS',
] as const;

export type ItemOutcome = (typeof ITEM_OUTCOMES)[number];
