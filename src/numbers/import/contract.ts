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
export const DEFAULT_IMPORT_BATCH_SIZE = 20_000;
