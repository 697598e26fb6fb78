import type { Sql } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { outsideTrace } from '../telemetry/outside-trace.ts';
import { DELIVERY_JOB_OPTIONS, type DeliveryQueue, deliveryJobId } from './queue.ts';

// The relay hands the outbox's attempts to BullMQ. A delivery row whose `relayed_at` is null
// has an attempt nobody handed over yet (a new message, or a retry just scheduled): the relay
// adds it under its deterministic id (queue.ts) with the delay left until `next_attempt_at`,
// then stamps the row. A crash between the two only means the next pass adds it again, and
// BullMQ keeps one job per id: the row is the truth, the queue a carrier. The sweep covers a
// Redis that lost its data: an attempt overdue by `lostAfterMs` goes back to the relay.

const PAGE = 500;

interface DueAttempt {
  messageId: string;
  endpointId: string;
  attempts: number;
  delayMs: number;
}

/** Hands every unrelayed attempt to the queue; returns how many. */
export async function relayPending(sql: Sql, queue: DeliveryQueue): Promise<number> {
  let relayed = 0;
  for (;;) {
    const due = await sql<DueAttempt[]>`
      select message_id as "messageId", endpoint_id as "endpointId", attempts,
             greatest(0, ceil(extract(epoch from next_attempt_at - now()) * 1000))::int as "delayMs"
      from webhook_deliveries
      where state = 'pending' and relayed_at is null
      order by next_attempt_at
      limit ${PAGE}`;
    if (due.length === 0) return relayed;
    await queue.addBulk(
      due.map((row) => {
        const data = {
          messageId: row.messageId,
          endpointId: row.endpointId,
          attempt: row.attempts + 1,
        };
        return {
          name: 'deliver',
          data,
          opts: { ...DELIVERY_JOB_OPTIONS, jobId: deliveryJobId(data), delay: row.delayMs },
        };
      }),
    );
    // Only the attempt that was handed over: a row that moved on meanwhile stays unrelayed.
    await sql`
      update webhook_deliveries d set relayed_at = now()
      from unnest(${due.map((r) => r.messageId)}::uuid[], ${due.map((r) => r.endpointId)}::uuid[],
                  ${due.map((r) => r.attempts)}::int[]) as v(message_id, endpoint_id, attempts)
      where d.message_id = v.message_id and d.endpoint_id = v.endpoint_id
        and d.attempts = v.attempts and d.state = 'pending' and d.relayed_at is not distinct from null`;
    relayed += due.length;
    if (due.length < PAGE) return relayed;
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
}

/**
 * Runs the relay every `intervalMs` and whenever `wake()` is called (this process ended a job
 * or scheduled a retry), never two passes at once nor two starts within `minGapMs`; the sweep
 * runs at most every ten intervals.
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
  const pass = async () => {
    // The sweep every ten intervals, however often jobs ending here wake the relay.
    if (performance.now() - lastSweep >= 10 * options.intervalMs) {
      lastSweep = performance.now();
      await reclaimLostAttempts(deps.sql, options.lostAfterMs);
    }
    await relayPending(deps.sql, deps.queue);
  };
  const wake = () => {
    if (running) {
      again = true;
      return;
    }
    if (gap) return;
    const wait = lastStart + options.minGapMs - performance.now();
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
