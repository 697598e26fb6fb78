import { DelayedError, type Job } from 'bullmq';
import { validJobData } from '../queue/job-data.ts';
import { type AttemptDeps, createAttempt } from './attempt.ts';
import { createEndpointGate, type Release } from './endpoint-gate.ts';
import { type AttemptOutcome, DeliveryJobData, type DeliveryReturnValue } from './queue.ts';
import { createTargetCache } from './target-cache.ts';

// The BullMQ processor of the delivery queue: one job, the attempts of one endpoint that the
// relay found due together (queue.ts). Their targets are read in one statement when the job
// starts, and the attempts that start then (one per slot the job holds) send on that read; an
// attempt that starts later, after another's answer, reads its own target first (shared with
// whatever reads run beside it): a change of the endpoint — disabled, deleted, a new URL or
// secret, a 410 just recorded — applies from the next attempt on, as docs/api.md promises.

type DeliveryJob = Job<DeliveryJobData, DeliveryReturnValue>;

export function createDeliveryProcessor(deps: AttemptDeps) {
  const gate = createEndpointGate(deps.perEndpoint);
  const targets = createTargetCache(deps.sql);
  const attemptOnce = createAttempt(deps);
  // Attempts in flight in this process: a job adds a lane only while they are fewer than
  // WEBHOOK_DELIVERY_CONCURRENCY. Each running job has its first lane whatever the count (at
  // most `concurrency` jobs run), so attempts in flight stay under twice that bound.
  let inFlight = 0;
  return async function deliver(
    job: DeliveryJob,
    token: string | undefined,
    _signal: AbortSignal | undefined,
  ): Promise<DeliveryReturnValue> {
    const { endpointId, attempts } = validJobData(DeliveryJobData, job.data);
    // A slow endpoint holds a bounded share of this worker's slots; its further jobs wait in
    // the queue (not spending an attempt) while other endpoints' go ahead. Checked before
    // anything is read: a job put back costs no statement. Without a lock token (called
    // directly, not by a BullMQ worker) the job cannot be put back: it takes a slot anyway.
    const slot = gate.enter(endpointId, token === undefined);
    if (!slot) {
      await job.moveToDelayed(Date.now() + 500 + Math.random() * 1000, token);
      throw new DelayedError();
    }
    const first = await slot;
    let read: Awaited<ReturnType<typeof targets.readAll>>;
    try {
      read = await targets.readAll(
        endpointId,
        attempts.map((a) => a.messageId),
      );
    } catch (err) {
      first();
      throw err;
    }
    let failure: unknown;
    const outcomes: AttemptOutcome[] = [];
    // Successes are recorded after their lane went on (attempt.ts); the job ends once all are.
    const recordings: Promise<void>[] = [];
    let next = 0;
    // Each lane holds one of the endpoint's slots and makes the job's attempts one after
    // another; a job takes as many lanes as the endpoint has slots free (and the process room),
    // so a burst to a slow endpoint still goes out side by side, within
    // WEBHOOK_ENDPOINT_CONCURRENCY.
    const lane = async (release: Release) => {
      inFlight += 1;
      try {
        let fresh = true;
        for (let i = next++; i < attempts.length; i = next++, fresh = false) {
          const item = attempts[i] as (typeof attempts)[number];
          try {
            const target = fresh ? read[i] : await targets.read(item.messageId, endpointId);
            const made = await attemptOnce(endpointId, item, target);
            recordings.push(
              made.outcome.then(
                (outcome) => {
                  outcomes.push(outcome);
                },
                (err: unknown) => {
                  failure ??= err;
                },
              ),
            );
          } catch (err) {
            // The others still go; the job fails after them, and its retry skips what is
            // recorded (each attempt is recorded only while still pending at its number).
            failure ??= err;
          }
        }
      } finally {
        inFlight -= 1;
        release();
      }
    };
    const lanes = [lane(first)];
    while (lanes.length < attempts.length && inFlight < deps.concurrency) {
      const extra = gate.tryEnter(endpointId);
      if (!extra) break;
      lanes.push(lane(extra));
    }
    await Promise.all(lanes);
    await Promise.all(recordings);
    if (failure !== undefined) throw failure;
    return { attempts: outcomes };
  };
}
