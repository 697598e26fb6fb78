import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readInput } from '../../src/cli/client/input.ts';
import { idempotencyKey, planSubmission } from '../../src/cli/client/plan.ts';
import { MAX_NUMBERS_PER_REQUEST } from '../../src/domain/limits.ts';

const read = (text: string, chunk = 7) => {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += chunk) parts.push(text.slice(i, i + chunk));
  return readInput(Readable.from(parts));
};

describe('client input', () => {
  it('reads a plain list: comments and blank lines skipped, line numbers kept', async () => {
    expect(await read('# numbers\n\n+14255551212\r\n  +14255551213  \n# end\n')).toEqual([
      { line: 3, value: '+14255551212' },
      { line: 4, value: '+14255551213' },
    ]);
  });

  it('reads the telephoneNumber column of a CSV, wherever it is', async () => {
    const csv = 'status,telephoneNumber\nActive,+14255551212\n\nMarkedForRemoval,"+14255551213"\n';
    expect(await read(csv)).toEqual([
      { line: 2, value: '+14255551212' },
      { line: 4, value: '+14255551213' },
    ]);
    expect(await read('telephoneNumber\n+14255551212\n')).toEqual([
      { line: 2, value: '+14255551212' },
    ]);
  });

  it('refuses a CSV without the column with one clear message', async () => {
    await expect(read('number,status\n+14255551212,Active\n')).rejects.toThrow(
      'the CSV header has no telephoneNumber column (it has: number, status)',
    );
  });
});

describe('client plan', () => {
  it('checks with the service rules, sends repeats once and cuts batches of 500 in order', () => {
    const numbers = Array.from({ length: 1001 }, (_, i) => `+1206${String(i).padStart(7, '0')}`);
    const input = [
      ...numbers.map((value, i) => ({ line: i + 1, value })),
      { line: 2000, value: '+1 206 000 0000' },
      { line: 2001, value: numbers[5] as string },
    ];
    const plan = planSubmission(input, {
      operation: 'ready-for-removal',
      phoneValidation: 'possible',
    });
    expect(plan.batches.map((b) => b.numbers.length)).toEqual([
      MAX_NUMBERS_PER_REQUEST,
      MAX_NUMBERS_PER_REQUEST,
      1,
    ]);
    expect(plan.batches.flatMap((b) => b.numbers)).toEqual(numbers);
    expect(plan.invalid).toMatchObject([{ line: 2000, errorCode: 'INVALID_E164' }]);
    expect(plan.duplicates).toMatchObject([{ line: 2001, firstLine: 6 }]);
    expect(plan.sendCount).toBe(1001);
  });

  it('derives the same key from the same operation and numbers, another otherwise', () => {
    const a = idempotencyKey('ready-for-removal', ['+14255551212', '+14255551213']);
    expect(idempotencyKey('ready-for-removal', ['+14255551212', '+14255551213'])).toBe(a);
    expect(idempotencyKey('clear-removal-status', ['+14255551212', '+14255551213'])).not.toBe(a);
    expect(idempotencyKey('ready-for-removal', ['+14255551213', '+14255551212'])).not.toBe(a);
    expect(a.length).toBeLessThan(100);
  });
});
