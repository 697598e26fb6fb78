import { isPossiblePhoneNumber } from 'libphonenumber-js/max';
import metadata from 'libphonenumber-js/metadata.max.json';
import type { Answer } from './http.ts';

// An independent oracle for the E.164 rules of docs/api.md, written from the contract and not from our validator:
// the E.164 regex, the set of country calling codes in libphonenumber's metadata, and its
// "possible number" rule. Country calling codes are prefix-free, so at most one matches.

const E164 = /^\+[1-9]\d{1,14}$/;
const CALLING_CODES = new Set([
  ...Object.keys(metadata.country_calling_codes),
  // Non-geographic codes (800 freephone, 882 networks, …) are listed apart.
  ...Object.keys(metadata.nonGeographic ?? {}),
]);

export type NumberVerdict =
  | { ok: true }
  /** `codes`: what the API may answer (one, except for an unfinished calling code). */
  | { ok: false; codes: readonly string[] };

export function judgeNumber(value: unknown): NumberVerdict {
  if (typeof value !== 'string' || !E164.test(value)) return { ok: false, codes: ['INVALID_E164'] };
  const digits = value.slice(1);
  const code = [1, 2, 3].map((n) => digits.slice(0, n)).find((c) => CALLING_CODES.has(c));
  if (code === undefined) {
    // "+3" is the start of a real code (30…39) with nothing after it: too short, or no code.
    const unfinished = [...CALLING_CODES].some((c) => c.startsWith(digits));
    return {
      ok: false,
      codes: unfinished ? ['INVALID_COUNTRY_CODE', 'IMPOSSIBLE_LENGTH'] : ['INVALID_COUNTRY_CODE'],
    };
  }
  return isPossiblePhoneNumber(value) ? { ok: true } : { ok: false, codes: ['IMPOSSIBLE_LENGTH'] };
}

export interface ExpectedAnswer {
  status: 400 | 202;
  /** Acceptable top-level errorCodes for a 400. */
  codes?: readonly string[];
  /** For INVALID_TELEPHONE_NUMBERS: per index, the acceptable entry codes. */
  entries?: Map<number, readonly string[]>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the endpoint must answer to a JSON body (given as the parsed value). */
export function judgeBody(body: unknown): ExpectedAnswer {
  if (body === null) return { status: 400, codes: ['BODY_REQUIRED'] };
  if (!isPlainObject(body)) return { status: 400, codes: ['INVALID_BODY'] };
  if (Object.keys(body).some((k) => k !== 'telephoneNumbers')) {
    return { status: 400, codes: ['INVALID_BODY'] };
  }
  const numbers = body.telephoneNumbers;
  if (!Array.isArray(numbers)) return { status: 400, codes: ['INVALID_BODY'] };
  if (numbers.length === 0) return { status: 400, codes: ['TOO_FEW_NUMBERS'] };
  if (numbers.length > 500) return { status: 400, codes: ['TOO_MANY_NUMBERS'] };
  const entries = new Map<number, readonly string[]>();
  const seen = new Set<string>();
  numbers.forEach((value, index) => {
    const verdict = judgeNumber(value);
    if (!verdict.ok) entries.set(index, verdict.codes);
    else if (seen.has(value as string)) entries.set(index, ['DUPLICATE_NUMBER']);
    else seen.add(value as string);
  });
  if (entries.size > 0) return { status: 400, codes: ['INVALID_TELEPHONE_NUMBERS'], entries };
  return { status: 202 };
}

/** Fastify refuses `__proto__` and `constructor.prototype` keys anywhere in a body. */
export function poisoned(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(poisoned);
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, '__proto__')) return true;
  const ctor = record.constructor;
  if (Object.hasOwn(record, 'constructor') && typeof ctor === 'object' && ctor !== null) {
    if (Object.hasOwn(ctor, 'prototype')) return true;
  }
  return Object.values(record).some(poisoned);
}

/** What differs between the API's answer and the oracle's, if anything. */
export function mismatch(answer: Answer, expected: ExpectedAnswer): string | undefined {
  if (answer.status >= 500) return `a ${answer.status}`;
  if (answer.status !== expected.status)
    return `status ${answer.status}, expected ${expected.status}`;
  if (expected.status === 202) return undefined;
  const body = answer.json as {
    errorCode?: string;
    errors?: { index: number; errorCode: string }[];
  };
  if (!expected.codes?.includes(body.errorCode ?? '')) return `errorCode ${body.errorCode}`;
  if (!expected.entries) return undefined;
  const errors = body.errors ?? [];
  if (errors.length !== expected.entries.size) return `${errors.length} entry errors`;
  const wrong = errors.find((e) => !expected.entries?.get(e.index)?.includes(e.errorCode));
  return wrong ? `entry ${wrong.index}: ${wrong.errorCode}` : undefined;
}
