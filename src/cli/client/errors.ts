import { CliError } from '../cli-error.ts';

// The bulk client's exit codes (docs/cli.md, "The bulk client") and the one error kind that
// carries them: whatever goes wrong ends as one line on stderr and the matching code.

export const EXIT = {
  /** Every number succeeded. */
  ok: 0,
  /** Some numbers failed a rule (or were skipped as invalid, or left unprocessed). */
  someFailed: 1,
  /** Usage or invalid input: nothing was sent. */
  invalidInput: 2,
  /** Interrupted (Ctrl-C): in-flight jobs cancelled, partial results written. */
  interrupted: 3,
  /** The service refused or failed: authentication, 5xx after retries, unreachable. */
  service: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The bulk client's failures carry one of the EXIT codes above. */
export class ClientError extends CliError {
  override name = 'ClientError';
  declare readonly exitCode: ExitCode;
}

export const inputError = (message: string) => new ClientError(EXIT.invalidInput, message);
export const serviceError = (message: string) => new ClientError(EXIT.service, message);

/**
 * The service took a batch, but what it did with it cannot be told (an answer of the wrong
 * shape, a Location on another origin, a job that did not end in time): the batch's rows say
 * UNKNOWN, with the job when there is one, and the run ends with exit 4.
 */
export class OutcomeUnknownError extends ClientError {
  override name = 'OutcomeUnknownError';
  readonly jobId: string | undefined;
  constructor(message: string, jobId?: string) {
    super(EXIT.service, message);
    this.jobId = jobId;
  }
}

/** A network failure or a 503: worth another try with the same request. */
export class TransientError extends Error {
  override name = 'TransientError';
  readonly retryAfterMs: number | undefined;
  constructor(message: string, retryAfterMs?: number) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}
