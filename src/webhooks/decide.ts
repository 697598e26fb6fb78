import type { AttemptAnswer } from './send.ts';

// What an attempt's answer means for its delivery (docs/api.md "Webhooks"): a pure function, so the schedule
// and the Retry-After rule are tested without a clock.

export type Decision =
  | { kind: 'succeeded' }
  /** 410 Gone: the receiver says the endpoint is no more; it is disabled at once. */
  | { kind: 'gone' }
  | { kind: 'retry'; delayMs: number }
  /** The schedule is spent. */
  | { kind: 'failed' };

/**
 * `attempt` is the 1-based attempt just made; `schedule[n - 1]` is the wait after attempt n.
 * A 429 or 503 with Retry-After is honoured within the schedule: the retry comes no sooner
 * than the receiver asked, but never later than the schedule's longest wait, and it still
 * counts as one of the schedule's attempts.
 */
export function decide(
  answer: AttemptAnswer,
  attempt: number,
  schedule: readonly number[],
): Decision {
  if (answer.kind === 'answered' && answer.status >= 200 && answer.status < 300) {
    return { kind: 'succeeded' };
  }
  if (answer.kind === 'answered' && answer.status === 410) return { kind: 'gone' };
  const scheduled = schedule[attempt - 1];
  if (scheduled === undefined) return { kind: 'failed' };
  const asked =
    answer.kind === 'answered' && (answer.status === 429 || answer.status === 503)
      ? answer.retryAfterMs
      : undefined;
  if (asked === undefined) return { kind: 'retry', delayMs: scheduled };
  return { kind: 'retry', delayMs: Math.min(Math.max(scheduled, asked), Math.max(...schedule)) };
}

/** The delivery log's `error` for an answer that was not a success. */
export function errorOf(answer: AttemptAnswer): string | null {
  if (answer.kind === 'no-answer') return answer.error;
  if (answer.status >= 200 && answer.status < 300) return null;
  if (answer.status >= 300 && answer.status < 400)
    return `redirect ${answer.status} (not followed)`;
  return `HTTP ${answer.status}`;
}
