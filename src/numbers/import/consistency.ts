import type { ImportRow, RejectedRow } from './row.ts';

export interface FileConsistency {
  /** A rejection when `row` contradicts an earlier valid line of the same file. */
  check(row: ImportRow): RejectedRow | undefined;
}

/**
 * Rules that span lines of one file: a number appears once (the later line is rejected, so
 * the outcome does not depend on batch boundaries), and every line of one customer agrees on
 * operatorConnect. Memory grows with the file (one map entry per number), about 100 bytes a
 * row: fine for inventories of millions of numbers.
 */
export function createFileConsistency(): FileConsistency {
  const lineOfNumber = new Map<string, number>();
  const customerFlag = new Map<string, { operatorConnect: boolean; line: number }>();
  return {
    check(row) {
      const reject = (reason: string) => ({ line: row.line, telephoneNumber: row.e164, reason });
      const earlier = lineOfNumber.get(row.e164);
      if (earlier !== undefined)
        return reject(`duplicate: the number is already on line ${earlier}`);
      if (row.msTenantId !== null) {
        const key = `${row.operatorSlug}/${row.msTenantId}`;
        const first = customerFlag.get(key);
        if (first && first.operatorConnect !== row.operatorConnect) {
          return reject(
            `operatorConnect ${row.operatorConnect} contradicts line ${first.line} (${first.operatorConnect}) for customer ${row.msTenantId} of operator ${row.operatorSlug}`,
          );
        }
        if (!first) customerFlag.set(key, { operatorConnect: row.operatorConnect, line: row.line });
      }
      lineOfNumber.set(row.e164, row.line);
      return undefined;
    },
  };
}
