import { NUMBER_STATUSES, type NumberStatus } from '../domain/statuses.ts';

export {
  ITEM_OUTCOMES,
  type ItemOutcome,
  NUMBER_STATUSES,
  type NumberStatus,
} from '../domain/statuses.ts';

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
