import { Readable } from 'node:stream';
import { HttpProblem } from '../api/http/problem.ts';
import { ClientError } from '../cli/client/errors.ts';
import { readInput } from '../cli/client/input.ts';
import { planSubmission } from '../cli/client/plan.ts';
import type { OperationName } from '../domain/operations.ts';
import type { PhoneValidation } from '../numbers/e164.ts';

// An uploaded file or pasted list is read and checked by the bulk client's own modules
// (src/cli/client/input.ts, plan.ts): the same formats (a CSV with a telephoneNumber column, or
// one number a line), the same E.164 rules, repeats sent once, batches of at most 500.

/** An upload of 1 MiB holds about 60,000 numbers; the console takes at most this many. */
export const MAX_UPLOAD_BYTES = 1024 * 1024;
export const MAX_UPLOAD_NUMBERS = 20_000;
/** Invalid lines listed on the page; the rest are counted. */
const INVALID_SHOWN = 100;

export interface UploadPlan {
  operation: OperationName;
  batches: { numbers: string[]; idempotencyKey: string }[];
  sendCount: number;
  invalidCount: number;
  invalid: { line: number; value: string; errorCode: string; detail: string }[];
  duplicateCount: number;
}

export async function planUpload(
  content: string,
  operation: OperationName,
  options: { phoneValidation: PhoneValidation; salt: string },
): Promise<UploadPlan> {
  let records: Awaited<ReturnType<typeof readInput>>;
  try {
    records = await readInput(Readable.from([content]));
  } catch (err) {
    if (err instanceof ClientError) throw new HttpProblem(400, 'INVALID_REQUEST', err.message);
    throw err;
  }
  if (records.length === 0) {
    throw new HttpProblem(400, 'INVALID_REQUEST', 'The file or list holds no numbers');
  }
  if (records.length > MAX_UPLOAD_NUMBERS) {
    throw new HttpProblem(
      400,
      'INVALID_REQUEST',
      `The console takes at most ${MAX_UPLOAD_NUMBERS} numbers at a time (this has ${records.length}); use the bulk client for more`,
    );
  }
  const plan = planSubmission(records, {
    operation,
    phoneValidation: options.phoneValidation,
    keySalt: options.salt,
  });
  return {
    operation,
    batches: plan.batches.map((b) => ({ numbers: b.numbers, idempotencyKey: b.idempotencyKey })),
    sendCount: plan.sendCount,
    invalidCount: plan.invalid.length,
    invalid: plan.invalid.slice(0, INVALID_SHOWN).map(({ line, value, errorCode, detail }) => ({
      line,
      value,
      errorCode,
      detail,
    })),
    duplicateCount: plan.duplicates.length,
  };
}
