// The inventory CSV contract (docs/cli.md), kept free of imports so the CLI's help can show it
// without loading the validators.

/**
 * The header must name exactly these columns, each once, in any order: a missing column is an
 * error rather than a silent default, so an export with a renamed or dropped column cannot
 * quietly detach every number from its customer.
 */
export const IMPORT_COLUMNS = [
  'telephoneNumber',
  'status',
  'operator',
  'msTenantId',
  'operatorConnect',
] as const;

/** Staged rows merged per transaction: large enough for set-based statements to pay off, small enough to keep locks short. */
export const DEFAULT_IMPORT_BATCH_SIZE = 50_000;

/**
 * The staged rows are merged by this many connections at once, each its own part of the numbers
 * (a number's part is its last digit modulo this): both of a 2-core database's cores busy. A
 * constant, not a setting: two imports running at once split the numbers the same way, so their
 * parts never overlap but pairwise, and each part has a lock of its own (merge.ts).
 */
export const IMPORT_PARTS = 2;

/** The part of `e164` (E.164, so its last character is a digit). */
export const importPartOf = (e164: string) =>
  (e164.charCodeAt(e164.length - 1) - 48) % IMPORT_PARTS;
