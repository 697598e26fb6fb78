import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HttpProblem } from '../../src/api/http/problem.ts';
import { cursorCodec, itemsCursor, jobsCursor } from '../../src/api/views/cursor.ts';

const operatorId = randomUUID();
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function refusal(decode: () => unknown): unknown {
  try {
    decode();
  } catch (err) {
    return err;
  }
  return undefined;
}

function expectRefused(decode: () => unknown) {
  const thrown = refusal(decode);
  expect(thrown).toBeInstanceOf(HttpProblem);
  expect(thrown).toMatchObject({ status: 400, code: 'INVALID_CURSOR' });
}

describe('pagination cursors', () => {
  it('round-trip a job id and an item position within their scope', () => {
    const id = randomUUID();
    const scope = { operatorId, state: 'queued' };
    expect(jobsCursor.decode(jobsCursor.encode(id, scope), scope)).toBe(id);
    const items = { operatorId, jobId: id, outcome: undefined };
    expect(itemsCursor.decode(itemsCursor.encode(42, items), items)).toBe(42);
    // An absent filter and an undefined one are the same scope.
    expect(itemsCursor.decode(itemsCursor.encode(7, items), { operatorId, jobId: id })).toBe(7);
    expect(itemsCursor.decode(undefined, items)).toBeUndefined();
  });

  it('refuse a cursor of another scope or another list', () => {
    const jobId = randomUUID();
    const cursor = itemsCursor.encode(3, { operatorId, jobId });
    expectRefused(() => itemsCursor.decode(cursor, { operatorId, jobId: randomUUID() }));
    expectRefused(() => itemsCursor.decode(cursor, { operatorId: randomUUID(), jobId }));
    expectRefused(() => itemsCursor.decode(cursor, { operatorId, jobId, outcome: 'SUCCEEDED' }));
    expectRefused(() => jobsCursor.decode(cursor, { operatorId, jobId }));
  });

  it('refuse forged and malformed values', () => {
    const scope = { operatorId };
    const sealed = (a: unknown) => {
      // A well-formed cursor of this scope whose position was changed afterwards.
      const real = JSON.parse(
        Buffer.from(itemsCursor.encode(1, scope), 'base64url').toString('utf8'),
      );
      return b64({ ...real, a });
    };
    expect(itemsCursor.decode(sealed(499), scope)).toBe(499);
    for (const cursor of [
      sealed(1e20),
      sealed(500),
      sealed(-1),
      sealed(1.5),
      sealed('1'),
      b64({ k: 'items', a: 1 }),
      b64({ ...JSON.parse(Buffer.from(sealed(1), 'base64url').toString()), extra: 1 }),
      'not a cursor at all',
      '',
    ]) {
      expectRefused(() => itemsCursor.decode(cursor, scope));
    }
    expectRefused(() => jobsCursor.decode(b64({ l: 'jobs', a: 'x', s: 'x'.repeat(16) }), scope));
  });

  it('serve any list: a keyset of the list’s own shape', () => {
    const numbers = cursorCodec('numbers', z.string().regex(/^\+[1-9]\d{1,14}$/));
    const scope = { operatorId, msTenantId: undefined, status: 'Active' };
    expect(numbers.decode(numbers.encode('+14255551212', scope), scope)).toBe('+14255551212');
    expectRefused(() => numbers.decode(numbers.encode('+14255551212', scope), { operatorId }));
  });
});
