import type { Agent } from 'undici';
import type { Sql } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { decide, errorOf } from './decide.ts';
import type { WebhookMetrics } from './metrics.ts';
import type { AttemptOutcome } from './queue.ts';
import { createRecorder, recordSkipped } from './record.ts';
import { signedHeaders } from './secrets.ts';
import { postMessage } from './send.ts';
import { type AttemptTarget, signersAt } from './target-cache.ts';

export interface AttemptDeps {
  sql: Sql;
  agent: Agent;
  logger: Logger;
  metrics: WebhookMetrics;
  /** The waits between attempts (events.ts RETRY_SCHEDULE_MS; tests may pass a shorter one). */
  schedule: readonly number[];
  timeoutMs: number;
  /**
   * Attempts to one endpoint this process makes at once; as many more jobs wait for a slot
   * here, any beyond that their turn in the queue (endpoint-gate.ts).
   */
  perEndpoint: number;
  /** Delivery jobs this process runs at once (WEBHOOK_DELIVERY_CONCURRENCY), see delivery-job.ts. */
  concurrency: number;
  /** A retry was scheduled: the relay should hand it over. */
  onRetryScheduled: () => void;
  /**
   * Statements recording successes start at least this far apart (record.ts): a saturated
   * worker records the successes of this long in one statement (delivery-worker.ts: 200 ms).
   */
  successRecordGapMs: number;
}

/**
 * What an attempt's lane gets back once the attempt no longer needs the endpoint: sent and, if
 * it failed, recorded. A success is recorded later, with the others of its batch; `outcome`
 * settles once it is.
 */
export interface AttemptMade {
  outcome: Promise<AttemptOutcome>;
}

/**
 * One attempt of one message to one endpoint, on the target read for it (delivery-job.ts):
 * skipped if that attempt is no longer pending (recorded already, or deleted with its
 * endpoint), failed without sending if the endpoint is disabled, else signed, sent and its
 * outcome recorded in one statement. A failure is recorded before the lane goes on (its 410 or
 * retry must be seen by the next attempt); a success goes in the next statement recording
 * successes, shared with those ending meanwhile, while the lane goes on.
 */
export function createAttempt(deps: AttemptDeps) {
  const recordAttempt = createRecorder(deps.sql, { successGapMs: deps.successRecordGapMs });
  return async function attemptOnce(
    endpointId: string,
    { messageId, attempt }: { messageId: string; attempt: number },
    target: AttemptTarget | undefined,
  ): Promise<AttemptMade> {
    const done = (outcome: AttemptOutcome['outcome'], responseStatus: number | null = null) => ({
      outcome: Promise.resolve({ messageId, attempt, outcome, responseStatus }),
    });
    if (target?.state !== 'pending' || target.attempts !== attempt - 1) return done('stale');
    if (!target.enabled) {
      const skipped = await recordSkipped(deps.sql, {
        messageId,
        endpointId,
        attempt,
        error: 'endpoint disabled',
      });
      if (skipped) deps.metrics.delivered('disabled');
      return done('disabled');
    }
    const { body } = target;
    const at = new Date();
    const headers = signedHeaders(messageId, at, body, signersAt(target.endpoint, at));
    const answer = await postMessage(
      deps.agent,
      { url: target.endpoint.url, body, headers: { ...headers } },
      deps.timeoutMs,
    );
    const decision = decide(answer, attempt, deps.schedule);
    const responseStatus = answer.kind === 'answered' ? answer.status : null;
    const recording = recordAttempt(
      { messageId, endpointId, attempt, responseStatus, error: errorOf(answer) },
      decision,
    ).then((recorded): AttemptOutcome => {
      if (!recorded.applied) return { messageId, attempt, outcome: 'stale', responseStatus };
      if (recorded.disabled) deps.metrics.endpointDisabled(recorded.disabled);
      const outcome =
        decision.kind === 'gone'
          ? 'failed'
          : decision.kind === 'retry'
            ? 'retrying'
            : decision.kind;
      deps.metrics.delivered(outcome);
      if (decision.kind === 'retry') deps.onRetryScheduled();
      deps.logger.info(
        {
          messageId,
          endpointId,
          attempt,
          outcome,
          responseStatus,
          error: errorOf(answer) ?? undefined,
        },
        'webhook attempt',
      );
      return { messageId, attempt, outcome, responseStatus };
    });
    if (decision.kind !== 'succeeded') await recording;
    // The lane takes it up after its own await; until then a failed statement is not unhandled.
    recording.catch(() => {});
    return { outcome: recording };
  };
}
