import { NUMBER_STATUSES, type NumberStatus } from '../db/enums.ts';

export {
  ITEM_OUTCOMES,
  type ItemOutcome,
  NUMBER_STATUSES,
  type NumberStatus,
} from '../db/enums.ts';

/** The numeric codes of the original API's statuses. */
export const STATUS_CODE: Readonly<Record<NumberStatus, number>> = {
  Active: 0,
  ReleaseRequested: 1,
  MarkedForRemoval: 2,
  ReadyForRemoval: 3,
};

export function isNumberStatus(value: string): value is NumberStatus {
  return (NUMBER_STATUSES as readonly string[]).includes(value);
}
