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
}

/**
 * One attempt of one message to one endpoint, on the target read for it (delivery-job.ts):
 * skipped if that attempt is no longer pending (recorded already, or deleted with its
 * endpoint), failed without sending if the endpoint is disabled, else signed, sent and its
 * outcome recorded in one statement (successes recorded together when many end at once).
 */
export function createAttempt(deps: AttemptDeps) {
  const recordAttempt = createRecorder(deps.sql);
  return async function attemptOnce(
    endpointId: string,
    { messageId, attempt }: { messageId: string; attempt: number },
    target: AttemptTarget | undefined,
  ): Promise<AttemptOutcome> {
    const done = (outcome: AttemptOutcome['outcome'], responseStatus: number | null = null) => ({
      messageId,
      attempt,
      outcome,
      responseStatus,
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
    const recorded = await recordAttempt(
      { messageId, endpointId, attempt, responseStatus, error: errorOf(answer) },
      decision,
    );
    if (!recorded.applied) return done('stale', responseStatus);
    if (recorded.disabled) deps.metrics.endpointDisabled(recorded.disabled);
    const outcome =
      decision.kind === 'gone' ? 'failed' : decision.kind === 'retry' ? 'retrying' : decision.kind;
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
    return done(outcome, responseStatus);
  };
}
