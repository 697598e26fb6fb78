import { setTimeout as sleep } from 'node:timers/promises';

// A migration that cannot get a lock within its lock_timeout gives up at once, so the reads and
// writes queued behind its request go on, and is tried again after a pause: a busy moment
// passes, a long transaction ends. After the last attempt the migrate step fails with one
// message saying what to do.

/** lock_not_available (the lock_timeout expired) and deadlock_detected: nothing applied, retry. */
const LOCK_CODES = new Set(['55P03', '40P01']);

/** Pauses grow from `retryDelayMs`, doubling, up to this. */
const MAX_DELAY_MS = 30_000;

export interface RetrySettings {
  /** Attempts after the first one. */
  lockRetries: number;
  /** The first pause; each next one doubles, up to 30 s. */
  retryDelayMs: number;
}

export interface LockTimeoutEvent {
  migration: string;
  /** The statement that waited, shortened. */
  statement: string;
  /** 1 for the first attempt. */
  attempt: number;
  attempts: number;
  /** The pause before the next attempt. */
  delayMs: number;
  /** What Postgres said (e.g. "canceling statement due to lock timeout"). */
  reason: string;
}

/** A statement of `migration` failed with `cause`; which one, for the messages. */
export class StatementError extends Error {
  override name = 'StatementError';
  readonly code: string | undefined;
  readonly statement: string;
  constructor(statement: string, cause: unknown) {
    super((cause as Error).message, { cause });
    this.code = (cause as { code?: string }).code;
    this.statement = statement.replace(/\s+/g, ' ').trim().slice(0, 100);
  }
}

export class MigrationLockError extends Error {
  override name = 'MigrationLockError';
  constructor(migration: string, attempts: number, last: StatementError, rerunNote: string) {
    super(
      `migration ${migration} could not get the locks it needs: ${last.message} on each of ${attempts} attempts (last at: ${last.statement}). ` +
        `${rerunNote} A long transaction holds a lock it needs: find it with pg_blocking_pids() and pg_stat_activity, let it end, then run db migrate again.`,
    );
  }
}

/** Runs `apply` until it succeeds, retrying a lock timeout or deadlock with growing pauses. */
export async function withLockRetries(
  migration: string,
  apply: () => Promise<void>,
  settings: RetrySettings & { rerunNote: string },
  onLockTimeout: (event: LockTimeoutEvent) => void,
): Promise<void> {
  const attempts = settings.lockRetries + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await apply();
    } catch (err) {
      if (!(err instanceof StatementError) || !LOCK_CODES.has(err.code ?? '')) throw err;
      if (attempt >= attempts) {
        throw new MigrationLockError(migration, attempts, err, settings.rerunNote);
      }
      const delayMs = Math.min(settings.retryDelayMs * 2 ** (attempt - 1), MAX_DELAY_MS);
      onLockTimeout({
        migration,
        statement: err.statement,
        attempt,
        attempts,
        delayMs,
        reason: err.message,
      });
      await sleep(delayMs);
    }
  }
}

/** The one-line warning the CLI prints and the services log for a lock timeout. */
export function describeLockTimeout(e: LockTimeoutEvent): string {
  return `migration ${e.migration}: ${e.reason} at: ${e.statement}; attempt ${e.attempt} of ${e.attempts} gave up, next in ${e.delayMs} ms`;
}
