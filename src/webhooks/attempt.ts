import { DelayedError, type Job } from 'bullmq';
import type { Agent } from 'undici';
import type { Sql } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { validJobData } from '../queue/job-data.ts';
import { decide, errorOf } from './decide.ts';
import { createEndpointGate } from './endpoint-gate.ts';
import type { WebhookMetrics } from './metrics.ts';
import { DeliveryJobData, type DeliveryReturnValue } from './queue.ts';
import { createRecorder, recordSkipped } from './record.ts';
import { signedHeaders } from './secrets.ts';
import { postMessage } from './send.ts';
import { createTargetCache, signersAt } from './target-cache.ts';

export interface AttemptDeps {
  sql: Sql;
  agent: Agent;
  logger: Logger;
  metrics: WebhookMetrics;
  /** The waits between attempts (events.ts RETRY_SCHEDULE_MS; tests may pass a shorter one). */
  schedule: readonly number[];
  timeoutMs: number;
  /**
   * Attempts to one endpoint this process makes at once; as many more wait for a slot here,
   * any beyond that their turn in the queue (endpoint-gate.ts).
   */
  perEndpoint: number;
  /** A retry was scheduled: the relay should hand it over. */
  onRetryScheduled: () => void;
}

type DeliveryJob = Job<DeliveryJobData, DeliveryReturnValue>;

/**
 * The BullMQ processor of the delivery queue: one attempt of one message to one endpoint, in
 * two statements (read the target, record the outcome; successes recorded together when many
 * attempts end at once).
 */
export function createAttemptProcessor(deps: AttemptDeps) {
  const gate = createEndpointGate(deps.perEndpoint);
  const targets = createTargetCache(deps.sql);
  const recordAttempt = createRecorder(deps.sql);
  return async function deliver(
    job: DeliveryJob,
    token: string | undefined,
    _signal: AbortSignal | undefined,
  ): Promise<DeliveryReturnValue> {
    const { messageId, endpointId, attempt } = validJobData(DeliveryJobData, job.data);
    // A slow endpoint holds a bounded share of this worker's slots; its further messages wait
    // in the queue (not spending an attempt) while other endpoints' go ahead. Checked before
    // anything is read: a job put back costs no statement. Without a lock token (called
    // directly, not by a BullMQ worker) the job cannot be put back: it takes a slot anyway.
    const slot = gate.enter(endpointId, token === undefined);
    if (!slot) {
      await job.moveToDelayed(Date.now() + 500 + Math.random() * 1000, token);
      throw new DelayedError();
    }
    const release = await slot;
    try {
      const target = await targets.read(messageId, endpointId);
      // Recorded already (a duplicate of this attempt) or deleted with its endpoint.
      if (target?.state !== 'pending' || target.attempts !== attempt - 1) {
        return { outcome: 'stale', responseStatus: null };
      }
      if (!target.enabled) {
        if (
          await recordSkipped(deps.sql, {
            messageId,
            endpointId,
            attempt,
            error: 'endpoint disabled',
          })
        )
          deps.metrics.delivered('disabled');
        return { outcome: 'disabled', responseStatus: null };
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
      if (!recorded.applied) return { outcome: 'stale', responseStatus };
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
      return { outcome, responseStatus };
    } finally {
      release();
    }
  };
}
