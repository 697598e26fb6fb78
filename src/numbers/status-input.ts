import { NUMBER_STATUSES, type NumberStatus, STATUS_CODE } from '../domain/statuses.ts';

// How a status may be written in a query string, as in the original API family: the name
// (`MarkedForRemoval`), the spaced form (`Marked For Removal`) or the numeric code (`2`).

const spaced = (status: NumberStatus) => status.replace(/(?<=[a-z])(?=[A-Z])/g, ' ');

const BY_SPELLING = new Map<string, NumberStatus>(
  NUMBER_STATUSES.flatMap((status) => [
    [status, status],
    [spaced(status), status],
    [String(STATUS_CODE[status]), status],
  ]),
);

/** Every accepted spelling, for the OpenAPI enum. */
export const STATUS_SPELLINGS = [...BY_SPELLING.keys()] as [string, ...string[]];

export function parseStatusInput(value: string): NumberStatus | undefined {
  return BY_SPELLING.get(value);
}
