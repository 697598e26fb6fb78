import { createHash, randomUUID } from 'node:crypto';
import { MAX_NUMBERS_PER_REQUEST } from '../../domain/limits.ts';
import type { OperationName } from '../../domain/operations.ts';
import { checkE164, type PhoneValidation } from '../../numbers/e164.ts';
import type { InputRecord } from './input.ts';

// What will be sent: every input record checked with the service's own E.164 rules, repeated
// numbers sent once, the rest cut into batches of at most MAX_NUMBERS_PER_REQUEST (500) in file
// order.

/** One input record and what the client decided about it. */
export type PlannedRecord =
  | { kind: 'send'; line: number; number: string; batch: number; position: number }
  | { kind: 'invalid'; line: number; value: string; errorCode: string; detail: string }
  | { kind: 'duplicate'; line: number; number: string; firstLine: number };

export interface Batch {
  index: number;
  numbers: string[];
  idempotencyKey: string;
}

export interface Plan {
  records: PlannedRecord[];
  batches: Batch[];
  invalid: Extract<PlannedRecord, { kind: 'invalid' }>[];
  duplicates: Extract<PlannedRecord, { kind: 'duplicate' }>[];
  sendCount: number;
}

export function planSubmission(
  input: readonly InputRecord[],
  options: { operation: OperationName; phoneValidation: PhoneValidation; keySalt?: string },
): Plan {
  const firstLineOf = new Map<string, number>();
  const records: PlannedRecord[] = [];
  const batches: Batch[] = [];
  let current: string[] = [];
  const invalid: Plan['invalid'] = [];
  const duplicates: Plan['duplicates'] = [];
  const close = () => {
    batches.push({
      index: batches.length,
      numbers: current,
      idempotencyKey: idempotencyKey(options.operation, current, options.keySalt),
    });
    current = [];
  };
  for (const { line, value } of input) {
    const check = checkE164(value, options.phoneValidation);
    if (!check.ok) {
      const record = { kind: 'invalid', line, value, ...check } as const;
      records.push(record);
      invalid.push(record);
      continue;
    }
    const firstLine = firstLineOf.get(value);
    if (firstLine !== undefined) {
      const record = { kind: 'duplicate', line, number: value, firstLine } as const;
      records.push(record);
      duplicates.push(record);
      continue;
    }
    firstLineOf.set(value, line);
    if (current.length === MAX_NUMBERS_PER_REQUEST) close();
    records.push({
      kind: 'send',
      line,
      number: value,
      batch: batches.length,
      position: current.length,
    });
    current.push(value);
  }
  if (current.length > 0) close();
  return { records, batches, invalid, duplicates, sendCount: firstLineOf.size };
}

/**
 * The same operation on the same numbers in the same order always gets the same key, so a
 * second run of a file (after a crash, Ctrl-C or a lost connection) replays each batch's job
 * instead of creating another. Hashing keeps the header short whatever the batch size.
 * `salt` makes other keys for the same numbers: a `--fresh` run's nonce (its batches are new
 * requests, not replays) and the n-th resend of a job's unprocessed numbers.
 */
export function idempotencyKey(
  operation: OperationName,
  numbers: readonly string[],
  salt = '',
): string {
  const hash = createHash('sha256').update(operation).update('\n');
  if (salt !== '') hash.update(salt).update('\n');
  hash.update(numbers.join(','));
  return `ocn-client-v1:${operation}:${hash.digest('base64url')}`;
}

/** A `--fresh` run's salt: its own, so none of its keys matches an earlier run's. */
export const freshSalt = () => `fresh ${randomUUID()}`;

/** The salt of the `attempt`-th resend of a batch's unprocessed numbers. */
export const resendSalt = (runSalt: string, attempt: number) =>
  `${runSalt}${runSalt ? ' ' : ''}resend ${attempt}`;
