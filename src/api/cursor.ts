import { UUID_PATTERN } from '../limits.ts';
import { HttpProblem } from './problem.ts';

// Opaque pagination cursors: base64url JSON, so clients treat them as tokens and we can change
// what they hold. A cursor of one list is refused by the other.

type CursorKind = 'jobs' | 'items';
type CursorValue = { jobs: string; items: number };

export function encodeCursor<K extends CursorKind>(kind: K, after: CursorValue[K]): string {
  return Buffer.from(JSON.stringify({ k: kind, a: after })).toString('base64url');
}

export function decodeCursor<K extends CursorKind>(
  kind: K,
  cursor: string | undefined,
): CursorValue[K] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      k?: unknown;
      a?: unknown;
    };
    const valid =
      parsed.k === kind &&
      (kind === 'jobs'
        ? typeof parsed.a === 'string' && UUID_PATTERN.test(parsed.a)
        : Number.isInteger(parsed.a) && (parsed.a as number) >= 0);
    if (valid) return parsed.a as CursorValue[K];
  } catch {
    // not base64url JSON: same answer as any other bad cursor
  }
  throw new HttpProblem(400, 'INVALID_CURSOR', 'The cursor is not one this list handed out');
}
