import { MAX_NUMBERS_PER_REQUEST } from '../../domain/limits.ts';
import { checkE164, type PhoneValidation } from '../../numbers/e164.ts';
import { type ErrorCode, HttpProblem } from '../http/problem.ts';

// The body of every operation: every problem of it in one answer. Hand-written rather than a zod schema so
// each entry gets its own code and the duplicates point at both indexes.

/** The errorCodes of the problems this module answers. */
export const NUMBERS_BODY_CODES = [
  'BODY_REQUIRED',
  'INVALID_BODY',
  'TOO_FEW_NUMBERS',
  'TOO_MANY_NUMBERS',
  'INVALID_TELEPHONE_NUMBERS',
] as const satisfies readonly ErrorCode[];

export type EntryErrorCode =
  | 'INVALID_E164'
  | 'INVALID_COUNTRY_CODE'
  | 'IMPOSSIBLE_LENGTH'
  | 'DUPLICATE_NUMBER';

export interface EntryError {
  index: number;
  /** The entry as sent, when it is a string (cut to ECHO_MAX_LENGTH); nothing else is echoed. */
  telephoneNumber?: string;
  errorCode: EntryErrorCode;
  detail: string;
  /** For INVALID_E164 on formatted input: the E.164 form. */
  suggestion?: string;
  /** For DUPLICATE_NUMBER: the first index and this one. */
  indexes?: [number, number];
}

// Longer than any formatted number someone might paste ("+1 (425) 555-1212 ext. 1234").
const ECHO_MAX_LENGTH = 32;

const cut = (text: string) =>
  text.length > ECHO_MAX_LENGTH ? `${text.slice(0, ECHO_MAX_LENGTH)}…` : text;

/** What a problem may quote of an entry: strings only, cut short (a body may hold 64 KiB). */
const echoOf = (value: unknown): { telephoneNumber?: string } =>
  typeof value === 'string' ? { telephoneNumber: cut(value) } : {};

/** An RFC 6901 JSON pointer to a top-level property (its name cut short). */
const pointerTo = (key: string) => `/${cut(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;

// The detail names this many unknown properties; `errors` points at each (up to its cap).
const NAMED_UNKNOWN = 10;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function invalidBody(pointer: string, detail: string): HttpProblem {
  return new HttpProblem(400, 'INVALID_BODY', detail, {
    extensions: { errors: [{ pointer, detail }] },
  });
}

/** The request's numbers in order, or an HttpProblem listing everything wrong with the body. */
export function parseNumbersBody(body: unknown, mode: PhoneValidation): string[] {
  if (body === null || body === undefined) {
    throw new HttpProblem(400, 'BODY_REQUIRED', 'A JSON object body is required');
  }
  if (!isPlainObject(body)) {
    throw invalidBody('', 'The body must be a JSON object: { "telephoneNumbers": [ … ] }');
  }
  const unknown = Object.keys(body).filter((key) => key !== 'telephoneNumbers');
  if (unknown.length > 0) {
    const named = unknown.slice(0, NAMED_UNKNOWN).map(cut).join(', ');
    const more =
      unknown.length > NAMED_UNKNOWN ? ` and ${unknown.length - NAMED_UNKNOWN} more` : '';
    throw new HttpProblem(400, 'INVALID_BODY', `Unknown properties: ${named}${more}`, {
      extensions: {
        errors: unknown.map((key) => ({ pointer: pointerTo(key), detail: 'unknown property' })),
      },
    });
  }
  const numbers = body.telephoneNumbers;
  if (numbers === undefined) {
    throw invalidBody('/telephoneNumbers', 'telephoneNumbers is required');
  }
  if (!Array.isArray(numbers)) {
    throw invalidBody('/telephoneNumbers', 'telephoneNumbers must be an array of strings');
  }
  if (numbers.length === 0) {
    throw new HttpProblem(400, 'TOO_FEW_NUMBERS', 'telephoneNumbers must hold at least 1 number');
  }
  const errors = entryErrors(numbers, mode);
  if (numbers.length > MAX_NUMBERS_PER_REQUEST) {
    throw new HttpProblem(
      400,
      'TOO_MANY_NUMBERS',
      `telephoneNumbers holds ${numbers.length} numbers; at most ${MAX_NUMBERS_PER_REQUEST} are allowed per request`,
      { extensions: { errors } },
    );
  }
  if (errors.length > 0) {
    throw new HttpProblem(
      400,
      'INVALID_TELEPHONE_NUMBERS',
      `${errors.length} of ${numbers.length} telephone numbers are invalid; nothing was processed`,
      { extensions: { errors } },
    );
  }
  return numbers as string[];
}

function entryErrors(numbers: unknown[], mode: PhoneValidation): EntryError[] {
  const errors: EntryError[] = [];
  const firstIndex = new Map<string, number>();
  numbers.forEach((value, index) => {
    const check = checkE164(value, mode);
    if (!check.ok) {
      const error: EntryError = {
        index,
        ...echoOf(value),
        errorCode: check.errorCode,
        detail: check.detail,
      };
      if (check.suggestion) error.suggestion = check.suggestion;
      errors.push(error);
      return;
    }
    const number = value as string;
    const first = firstIndex.get(number);
    if (first === undefined) {
      firstIndex.set(number, index);
      return;
    }
    errors.push({
      index,
      telephoneNumber: number,
      errorCode: 'DUPLICATE_NUMBER',
      detail: `${number} appears more than once: at index ${first} and ${index}`,
      indexes: [first, index],
    });
  });
  return errors;
}
