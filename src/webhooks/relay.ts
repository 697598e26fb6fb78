import type { Sql } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { outsideTrace } from '../telemetry/outside-trace.ts';
import {
  DELIVERY_JOB_OPTIONS,
  type DeliveryQueue,
  type DueAttempt,
  deliveryJobId,
  jobsOf,
} from './queue.ts';

// The relay hands the outbox's attempts to BullMQ. A delivery row whose `relayed_at` is null
// has an attempt nobody handed over yet (a new message, or a retry just scheduled): the relay
// adds it under its deterministic id (queue.ts) with the delay left until `next_attempt_at`,
// then stamps the row. A crash between the two only means the next pass adds it again, and
// BullMQ keeps one job per id: the row is the truth, the queue a carrier. The sweep covers a
// Redis that lost its data: an attempt overdue by `lostAfterMs` goes back to the relay.
// The attempts one pass finds due now for the same endpoint go in one job (up to
// MAX_ATTEMPTS_PER_JOB), an attempt due later (a retry) alone with its delay. Should the pass
// after a crash group them otherwise (more rows due by then), an attempt may be in two jobs:
// whichever runs second finds it recorded and skips it, or, running at the same moment, sends
// it twice with the same webhook-id — at least once, as after any crash.

const PAGE = 500;

/** Hands every unrelayed attempt to the queue; returns how many, and of how many messages. */
export async function relayPending(
  sql: Sql,
  queue: DeliveryQueue,
): Promise<{ relayed: number; messages: number }> {
  let relayed = 0;
  const messages = new Set<string>();
  for (;;) {
    const due = await sql<DueAttempt[]>`
      select message_id as "messageId", endpoint_id as "endpointId", attempts,
             greatest(0, ceil(extract(epoch from next_attempt_at - now()) * 1000))::int as "delayMs"
      from webhook_deliveries
      where state = 'pending' and relayed_at is null
      order by next_attempt_at, endpoint_id, message_id
      limit ${PAGE}`;
    if (due.length === 0) return { relayed, messages: messages.size };
    for (const row of due) messages.add(row.messageId);
    await queue.addBulk(
      jobsOf(due).map(({ data, delayMs }) => ({
        name: 'deliver',
        data,
        opts: { ...DELIVERY_JOB_OPTIONS, jobId: deliveryJobId(data), delay: delayMs },
      })),
    );
    // Only the attempt that was handed over: a row that moved on meanwhile stays unrelayed.
    await sql`
      update webhook_deliveries d set relayed_at = now()
      from unnest(${due.map((r) => r.messageId)}::uuid[], ${due.map((r) => r.endpointId)}::uuid[],
                  ${due.map((r) => r.attempts)}::int[]) as v(message_id, endpoint_id, attempts)
      where d.message_id = v.message_id and d.endpoint_id = v.endpoint_id
        and d.attempts = v.attempts and d.state = 'pending' and d.relayed_at is not distinct from null`;
    relayed += due.length;
    if (due.length < PAGE) return { relayed, messages: messages.size };
  }
}

/** Attempts overdue by `lostAfterMs` are handed over again (their BullMQ job may be gone). */
export async function reclaimLostAttempts(sql: Sql, lostAfterMs: number): Promise<number> {
  const rows = await sql`
    update webhook_deliveries set relayed_at = null
    where state = 'pending' and relayed_at is not null
      and next_attempt_at < now() - make_interval(secs => ${lostAfterMs / 1000})
      and relayed_at < now() - make_interval(secs => ${lostAfterMs / 1000})`;
  return rows.count;
}

export interface RelayOptions {
  /** How often the relay looks without being woken. */
  intervalMs: number;
  /** How overdue an attempt must be before the sweep hands it over again. */
  lostAfterMs: number;
  /**
   * Passes start at least this far apart: under a burst of ending jobs one pass hands over
   * the messages of many (one select, one addBulk, one update) instead of one pass each.
   */
  minGapMs: number;
  /**
   * And at least this far apart after a pass that found more than one message: jobs end
   * faster than passes run (a saturated worker), and a longer wait puts more of an endpoint's
   * attempts in one delivery job, whose BullMQ round trips are most of what an attempt costs
   * (docs/performance.md, "Webhooks"). A quiet outbox (one job's message a pass) keeps
   * `minGapMs`.
   */
  busyGapMs: number;
}

/**
 * Runs the relay every `intervalMs` and whenever `wake()` is called (this process ended a job
 * or scheduled a retry), never two passes at once nor two starts within `minGapMs`
 * (`busyGapMs` after a busy pass); the sweep runs at most every ten intervals.
 */
export function startRelay(
  deps: { sql: Sql; queue: DeliveryQueue; logger: Pick<Logger, 'warn'> },
  options: RelayOptions,
) {
  let running: Promise<void> | undefined;
  let again = false;
  let gap: NodeJS.Timeout | undefined;
  let lastStart = Number.NEGATIVE_INFINITY;
  let lastSweep = Number.NEGATIVE_INFINITY;
  let busy = false;
  const pass = async () => {
    // The sweep every ten intervals, however often jobs ending here wake the relay.
    if (performance.now() - lastSweep >= 10 * options.intervalMs) {
      lastSweep = performance.now();
      await reclaimLostAttempts(deps.sql, options.lostAfterMs);
    }
    busy = (await relayPending(deps.sql, deps.queue)).messages > 1;
  };
  const wake = () => {
    if (running) {
      again = true;
      return;
    }
    if (gap) return;
    const wait = lastStart + (busy ? options.busyGapMs : options.minGapMs) - performance.now();
    if (wait > 0) {
      gap = setTimeout(() => {
        gap = undefined;
        wake();
      }, wait);
      return;
    }
    lastStart = performance.now();
    running = outsideTrace(pass)
      .catch((err: unknown) =>
        deps.logger.warn({ err }, 'webhook relay failed; the next pass retries'),
      )
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          wake();
        }
      });
  };
  const timer = setInterval(wake, options.intervalMs);
  timer.unref();
  wake();
  return {
    wake,
    async stop() {
      clearInterval(timer);
      clearTimeout(gap);
      gap = undefined;
      again = false;
      await running;
    },
  };
}
