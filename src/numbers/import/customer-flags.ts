import type { ImportRow, RejectedRow } from './row.ts';

/**
 * Every line of one customer agrees on operatorConnect: a line that contradicts the first valid
 * line of its customer is rejected. One entry per customer, whatever the file's size. (A number
 * listed twice is found in the database, merge-sql.ts.)
 */
export function createCustomerFlags() {
  const first = new Map<string, { operatorConnect: boolean; line: number }>();
  return {
    check(row: ImportRow): RejectedRow | undefined {
      if (row.msTenantId === null) return undefined;
      const key = `${row.operatorSlug}/${row.msTenantId}`;
      const seen = first.get(key);
      if (!seen) {
        first.set(key, { operatorConnect: row.operatorConnect, line: row.line });
        return undefined;
      }
      if (seen.operatorConnect === row.operatorConnect) return undefined;
      return {
        line: row.line,
        telephoneNumber: row.e164,
        reason: `operatorConnect ${row.operatorConnect} contradicts line ${seen.line} (${seen.operatorConnect}) for customer ${row.msTenantId} of operator ${row.operatorSlug}`,
      };
    },
  };
}
