import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/api/cursor.ts';
import { HttpProblem } from '../../src/api/problem.ts';

describe('pagination cursors', () => {
  it('round-trip a job id and an item position', () => {
    const id = randomUUID();
    expect(decodeCursor('jobs', encodeCursor('jobs', id))).toBe(id);
    expect(decodeCursor('items', encodeCursor('items', 42))).toBe(42);
    expect(decodeCursor('items', undefined)).toBeUndefined();
  });

  it("refuses another list's cursor, a forged value and a non-cursor with 400 INVALID_CURSOR", () => {
    const forged = Buffer.from(JSON.stringify({ k: 'items', a: -1 })).toString('base64url');
    const notUuid = Buffer.from(JSON.stringify({ k: 'jobs', a: 'x' })).toString('base64url');
    for (const [kind, cursor] of [
      ['items', encodeCursor('jobs', randomUUID())],
      ['items', forged],
      ['jobs', notUuid],
      ['jobs', 'not a cursor at all'],
    ] as const) {
      let thrown: unknown;
      try {
        decodeCursor(kind, cursor);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(HttpProblem);
      expect(thrown).toMatchObject({ status: 400, code: 'INVALID_CURSOR' });
    }
  });
});
