import { parsePhoneNumberFromString, validatePhoneNumberLength } from 'libphonenumber-js/max';
import { E164_PATTERN } from '../domain/limits.ts';

// Strict E.164 (docs/api.md, "Errors"): the raw string must already be in E.164 form; libphonenumber-js
// alone would accept formatted input such as "+1 425-555-1212".

// A +1 number with ten national digits starting 2-9 is possible in every NANP country, so its
// verdict is known without libphonenumber-js, which would first try ~25 NANP countries'
// patterns to find its country (20-100 µs a number; this check is ~0.1 µs). Everything else,
// including other +1 shapes, goes to the library. test/unit/e164.test.ts checks the shortcut
// against the library.
export const NANP_POSSIBLE = /^\+1[2-9]\d{9}$/;

export type NumberErrorCode = 'INVALID_E164' | 'INVALID_COUNTRY_CODE' | 'IMPOSSIBLE_LENGTH';

/** `possible`: real country code and a possible length; `valid`: full numbering-plan validity. */
export type PhoneValidation = 'possible' | 'valid';

export type E164Check =
  | { ok: true }
  | { ok: false; errorCode: NumberErrorCode; detail: string; suggestion?: string };

export function checkE164(input: unknown, mode: PhoneValidation = 'possible'): E164Check {
  if (typeof input !== 'string') {
    return { ok: false, errorCode: 'INVALID_E164', detail: 'must be a string in E.164 format' };
  }
  if (!E164_PATTERN.test(input)) return notE164(input);
  const lengthProblem = NANP_POSSIBLE.test(input) ? undefined : validatePhoneNumberLength(input);
  if (lengthProblem === 'INVALID_COUNTRY') {
    return {
      ok: false,
      errorCode: 'INVALID_COUNTRY_CODE',
      detail: `${input} does not start with a known country calling code`,
    };
  }
  if (lengthProblem !== undefined) {
    const why =
      lengthProblem === 'TOO_SHORT'
        ? 'too short'
        : lengthProblem === 'TOO_LONG'
          ? 'too long'
          : 'of an impossible length';
    return {
      ok: false,
      errorCode: 'IMPOSSIBLE_LENGTH',
      detail: `${input} is ${why} for its country calling code`,
    };
  }
  if (mode === 'valid' && !parsePhoneNumberFromString(input)?.isValid()) {
    return {
      ok: false,
      errorCode: 'INVALID_E164',
      detail: `${input} is not a valid number in its country's numbering plan`,
    };
  }
  return { ok: true };
}

function notE164(input: string): E164Check {
  const suggestion = suggestE164(input);
  const base =
    'must be in E.164 format: a "+", the country calling code and the number, digits only, at most 15 digits';
  return suggestion
    ? {
        ok: false,
        errorCode: 'INVALID_E164',
        detail: `${base}; did you mean ${suggestion}?`,
        suggestion,
      }
    : { ok: false, errorCode: 'INVALID_E164', detail: base };
}

/** The E.164 form of a formatted number ("+1 (425) 555-1212" → "+14255551212"), if it has one. */
export function suggestE164(input: string): string | undefined {
  if (input.length > 40) return undefined;
  const compact = input.replace(/[\s().\-\u00a0]/g, '');
  const candidate = compact.startsWith('00')
    ? `+${compact.slice(2)}`
    : compact.startsWith('+')
      ? compact
      : `+${compact}`;
  if (candidate === input || !E164_PATTERN.test(candidate)) return undefined;
  return validatePhoneNumberLength(candidate) === undefined ? candidate : undefined;
}
