// The defaults of the MIGRATE_* settings (docs/operations.md, "Migrations on a running
// service"), apart so the config schema can name them without loading the migration code.

export const MIGRATE_DEFAULTS = {
  /** A statement waiting longer for a lock that reads and writes would queue behind gives up. */
  lockTimeoutMs: 3000,
  /** A CONCURRENTLY statement's waits block no reads or writes, so they may be long. */
  concurrentlyLockTimeoutMs: 300_000,
  /** Attempts after the first, after pauses of 1, 2, 4, 8, 16, then 30 s: about 3 minutes. */
  lockRetries: 10,
  retryDelayMs: 1000,
} as const;
