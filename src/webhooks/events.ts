// What a webhook can be told, and when it is tried (docs/api.md "Webhooks").

/** The events an endpoint subscribes to: one per state a job ends in. */
export const WEBHOOK_EVENTS = ['job.completed', 'job.failed', 'job.cancelled'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** At most this many endpoints per operator. */
export const MAX_ENDPOINTS_PER_OPERATOR = 10;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * The waits before each retry, after the first attempt (made at once): Svix's schedule, which
 * the Standard Webhooks ecosystem receivers expect. Eight attempts over about 27.6 hours.
 */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
];

/** One attempt's whole time: connect, send, and the answer's status and headers. */
export const ATTEMPT_TIMEOUT_MS = 15 * SECOND;

/** An endpoint whose every attempt failed for this long is disabled (`failing`). */
export const FAILING_DISABLES_AFTER_MS = 5 * 24 * HOUR;

/** After a rotation the previous secret also signs for this long. */
export const PREVIOUS_SECRET_TTL_MS = 24 * HOUR;
