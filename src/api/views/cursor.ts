import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MAX_NUMBERS_PER_REQUEST, UUID_PATTERN } from '../../domain/limits.ts';
import type { NumberPagePosition } from '../../numbers/number-page.ts';
import { HttpProblem } from '../http/problem.ts';

// Opaque pagination cursors: base64url JSON, so clients treat them as tokens and we can change
// what they hold. Each one names its list and carries a digest of what it was issued for (the
// operator and the list's scope: a job, a filter), so a cursor of another list, job, filter or
// operator is refused instead of quietly paging something else; and every field is checked
// strictly, so a forged value is a 400, never a query with a nonsense bound.
//
// A digest rather than an HMAC: a cursor grants nothing. Each query is scoped to the caller's
// operator whatever the cursor says, and a value that passes the checks is one the caller could
// have been handed; the binding is there to catch misuse, and needs no shared secret.

/** What a cursor is bound to: the operator and every parameter that shapes the list. */
export type CursorScope = Readonly<{ operatorId: string } & Record<string, string | undefined>>;

export interface CursorCodec<T> {
  /** A cursor for the page after `after`, bound to `scope`. */
  encode(after: T, scope: CursorScope): string;
  /** The position a cursor of this list and scope holds; undefined when there is none. */
  decode(cursor: string | undefined, scope: CursorScope): T | undefined;
}

const invalidCursor = () =>
  new HttpProblem(400, 'INVALID_CURSOR', 'The cursor is not one this list handed out');

// 96 bits: enough that two scopes never share a digest by accident.
function digestOf(list: string, scope: CursorScope): string {
  const entries = Object.entries(scope)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256')
    .update(JSON.stringify([list, entries]))
    .digest('base64url')
    .slice(0, 16);
}

/** The cursors of one list; `after` is the schema of the position a cursor holds. */
export function cursorCodec<T>(list: string, after: z.ZodType<T>): CursorCodec<T> {
  const Payload = z.strictObject({ l: z.literal(list), a: after, s: z.string().length(16) });
  return {
    encode(position, scope) {
      const payload = { l: list, a: position, s: digestOf(list, scope) };
      return Buffer.from(JSON.stringify(payload)).toString('base64url');
    },
    decode(cursor, scope) {
      if (cursor === undefined) return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        throw invalidCursor();
      }
      const payload = Payload.safeParse(parsed);
      if (!payload.success || payload.data.s !== digestOf(list, scope)) throw invalidCursor();
      return payload.data.a as T;
    },
  };
}

/** The job list: the last job id of the page (keyset on created_at, id). */
export const jobsCursor = cursorCodec('jobs', z.string().regex(UUID_PATTERN));

/** A job's items: the last position of the page (positions are 0 … 499). */
export const itemsCursor = cursorCodec(
  'items',
  z
    .int()
    .min(0)
    .max(MAX_NUMBERS_PER_REQUEST - 1),
);

/**
 * The number list: the last number of the page, and the page number the next page has (what
 * its `currentPage` says; counted along the cursors, it is the page's number as long as the
 * list does not change underneath).
 */
export const numbersCursor = cursorCodec(
  'numbers',
  z.strictObject({
    e: z.string().regex(/^\+[1-9]\d{1,14}$/),
    p: z.int().min(2).max(2_000_000_000),
  }),
);

/** The number list's filter, as the list's query names it (the status by its name). */
interface NumbersFilter {
  operatorId: string;
  msTenantId?: string | undefined;
  status?: string | undefined;
}

// Bound to the filter after normalisation: a tenant id in any case is the same customer.
const numbersScope = (f: NumbersFilter): CursorScope => ({
  operatorId: f.operatorId,
  msTenantId: f.msTenantId?.toLowerCase(),
  status: f.status,
});

/**
 * The number list's cursors as positions of `readNumberPage` (numbers/number-page.ts), for the
 * API's list and the console's numbers page alike: one cursor works in both.
 */
export const numberPageCursor = {
  decode(cursor: string | undefined, filter: NumbersFilter): NumberPagePosition | undefined {
    const at = numbersCursor.decode(cursor, numbersScope(filter));
    return at && { e164: at.e, page: at.p };
  },
  encode(next: NumberPagePosition | null, filter: NumbersFilter): string | null {
    return next && numbersCursor.encode({ e: next.e164, p: next.page }, numbersScope(filter));
  },
};
