import { Redis } from 'ioredis';
import type postgres from 'postgres';
import { OPERATION_QUEUE } from '../../../src/queue/operation-queue.ts';

// Progress, watched for a whole scenario, faults included: a job's counters in Postgres (what
// GET /jobs answers) never go back, and what the workers told BullMQ (its progress, and the
// counts it keeps with a completed job) is never ahead of Postgres and, once the job ended,
// equal to it. Sampled a few times a second while the scenario runs; `check()` after it.

type Sql = postgres.Sql;

interface Counts {
  processed: number;
  success: number;
}

interface BullCounts {
  processedCount?: number;
  successCount?: number;
}

const MAX_FAULTS = 20;

function parseCounts(text: string | null): BullCounts | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as BullCounts) : undefined;
  } catch {
    return undefined;
  }
}

export function watchProgress(
  target: { sql: Sql; redisUrl: string; prefix: string },
  everyMs = 250,
) {
  const { sql, prefix } = target;
  const seen = new Map<string, Counts>();
  const faults: string[] = [];
  const fault = (text: string) => {
    if (faults.length < MAX_FAULTS) faults.push(text);
  };
  // Fails fast while Redis is away (some scenarios stop it): a sample is then skipped.
  const redis = new Redis(target.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  redis.on('error', () => {});
  const jobKey = (id: string) => `${prefix}:${OPERATION_QUEUE}:${id}`;

  /** What BullMQ holds for `ids`: [progress, returnvalue] per job (nulls when it has none). */
  async function bullmq(ids: readonly string[]) {
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hmget(jobKey(id), 'progress', 'returnvalue');
    const replies = (await pipeline.exec()) ?? [];
    return ids.map((id, i) => {
      const [err, fields] = replies[i] ?? [];
      const [progress = null, returnvalue = null] = err
        ? []
        : ((fields as (string | null)[]) ?? []);
      return { id, progress: parseCounts(progress), returnvalue: parseCounts(returnvalue) };
    });
  }

  /** Records Postgres' counters of these rows; a counter below one seen before is a fault. */
  function record(rows: readonly { id: string; processed: number; success: number }[]) {
    for (const row of rows) {
      const before = seen.get(row.id);
      if (before && (row.processed < before.processed || row.success < before.success)) {
        fault(
          `job ${row.id}: Postgres progress went back from ${before.processed}/${before.success} to ${row.processed}/${row.success}`,
        );
      }
      seen.set(row.id, { processed: row.processed, success: row.success });
    }
  }

  /** BullMQ's counts (read first) may lag Postgres' (read after), never lead them. */
  function compare(told: Awaited<ReturnType<typeof bullmq>>, what: 'progress' | 'returnvalue') {
    for (const { id, ...bull } of told) {
      const counts = bull[what];
      const db = seen.get(id);
      if (!counts || !db) continue;
      if ((counts.processedCount ?? 0) > db.processed || (counts.successCount ?? 0) > db.success) {
        fault(
          `job ${id}: BullMQ ${what} ${counts.processedCount}/${counts.successCount} ahead of Postgres ${db.processed}/${db.success}`,
        );
      }
    }
  }

  async function sample() {
    const active = await sql<{ id: string }[]>`select id from jobs where state = 'active'`;
    const told = await bullmq(active.map((r) => r.id));
    record(
      await sql<{ id: string; processed: number; success: number }[]>`
        select id, processed_count as processed, success_count as success from jobs
        where state in ('queued', 'active') or id = any(${active.map((r) => r.id)}::uuid[])`,
    );
    compare(told, 'progress');
  }

  let running: Promise<void> | undefined;
  let skipped = 0;
  let samples = 0;
  const timer = setInterval(() => {
    running ??= sample()
      .then(() => {
        samples++;
      })
      .catch(() => {
        skipped++; // a store is down on purpose: this sample tells nothing
      })
      .finally(() => {
        running = undefined;
      });
  }, everyMs);

  return {
    /**
     * Once every job has ended: the last counters are no lower than any seen, and BullMQ's
     * progress and a completed job's counts equal them (no more than them for a job that
     * ended without the worker's last word, e.g. failed by the stalled check or cancelled).
     * Throws naming every fault seen since the last check.
     */
    async check(): Promise<void> {
      await running;
      const all = await sql<{ id: string; state: string; processed: number; success: number }[]>`
        select id, state, processed_count as processed, success_count as success from jobs`;
      const told = await bullmq(all.map((r) => r.id)).catch(() => []);
      record(all);
      compare(told, 'progress');
      compare(told, 'returnvalue');
      for (const { id, returnvalue } of told) {
        const db = seen.get(id);
        if (!returnvalue || !db) continue;
        if (
          returnvalue.processedCount !== db.processed ||
          returnvalue.successCount !== db.success
        ) {
          fault(
            `job ${id}: BullMQ completed it with ${returnvalue.processedCount}/${returnvalue.successCount}, Postgres has ${db.processed}/${db.success}`,
          );
        }
      }
      const found = faults.splice(0);
      if (found.length > 0) throw new Error(`progress faults:\n${found.join('\n')}`);
    },
    /** Samples taken so far, and skipped because a store was unreachable. */
    samples: () => samples,
    skipped: () => skipped,
    async stop() {
      clearInterval(timer);
      await running;
      redis.disconnect();
    },
  };
}

export type ProgressWatch = ReturnType<typeof watchProgress>;
