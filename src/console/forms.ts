import { HttpProblem } from '../api/http/problem.ts';
import { UUID_PATTERN } from '../domain/limits.ts';
import { OPERATIONS, type Operation, operationNamed } from '../domain/operations.ts';

// Small readers of form fields and query parameters: a field sent once is a string, sent
// several times an array; anything unexpected is a 400 page, never a 500.

export const list = (value: unknown): string[] =>
  value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);

export const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

export function operationField(value: unknown): Operation {
  const operation = typeof value === 'string' ? operationNamed(value) : undefined;
  if (!operation) {
    throw new HttpProblem(
      400,
      'INVALID_REQUEST',
      `Choose an action: ${Object.keys(OPERATIONS).join(' or ')}`,
    );
  }
  return operation;
}

/** A form's one-time id (its Idempotency-Key); a missing or odd one is refused. */
export function requestIdField(value: unknown): string {
  if (typeof value !== 'string' || !UUID_PATTERN.test(value)) {
    throw new HttpProblem(
      400,
      'INVALID_REQUEST',
      'The form is incomplete; reload it and try again',
    );
  }
  return value;
}

export const isUuid = (value: string) => UUID_PATTERN.test(value);
