import type { QueueEvents } from 'bullmq';
import type { Database } from '../db/client.ts';
import { isEnded, type JobSummaryRow } from './job-view.ts';
import { getJob } from './queries.ts';

// Waiting for a job to end. Postgres is the truth; the queue's `completed`/`failed` events only
// say "look now", so the fast path costs one query after the event. A slow poll covers events
// that are lost (Redis reconnects) or never come (a job cancelled from elsewhere).

export interface WaitOutcome {
  ended: boolean;
  /** The latest row seen: ended, or still running at timeout/abort/shutdown. */
  job: JobSummaryRow;
}

export interface JobWaiter {
  wait(
    operatorId: string,
    jobId: string,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<WaitOutcome | undefined>;
  /** Lets every current wait return at once (shutdown): their callers answer 202. */
  releaseAll(): void;
  close(): void;
}

const FIRST_POLL_MS = 200;
const MAX_POLL_MS = 1000;

export function createJobWaiter(deps: { db: Database; queueEvents: QueueEvents }): JobWaiter {
  const wakers = new Map<string, Set<() => void>>();
  let releasing = false;
  const wake = ({ jobId }: { jobId: string }) => {
    for (const fn of wakers.get(jobId) ?? []) fn();
  };
  deps.queueEvents.on('completed', wake);
  deps.queueEvents.on('failed', wake);

  function register(jobId: string, fn: () => void) {
    const set = wakers.get(jobId) ?? new Set<() => void>();
    wakers.set(jobId, set);
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) wakers.delete(jobId);
    };
  }

  return {
    async wait(operatorId, jobId, { timeoutMs, signal }) {
      const deadline = Date.now() + timeoutMs;
      let resolveNap: (() => void) | undefined;
      // An event that arrives while the query runs must not be lost to the nap that follows.
      let woken = false;
      const nudge = () => {
        woken = true;
        resolveNap?.();
      };
      const unregister = register(jobId, nudge);
      signal?.addEventListener('abort', nudge);
      let pollMs = FIRST_POLL_MS;
      try {
        for (;;) {
          woken = false;
          const job = await getJob(deps.db, operatorId, jobId);
          if (!job) return undefined;
          if (isEnded(job.state)) return { ended: true, job };
          const remaining = deadline - Date.now();
          if (remaining <= 0 || signal?.aborted || releasing) return { ended: false, job };
          if (woken) continue;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(remaining, pollMs));
            resolveNap = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          resolveNap = undefined;
          pollMs = Math.min(MAX_POLL_MS, pollMs * 1.5);
        }
      } finally {
        unregister();
        signal?.removeEventListener('abort', nudge);
      }
    },
    releaseAll() {
      releasing = true;
      for (const set of wakers.values()) for (const fn of set) fn();
    },
    close() {
      deps.queueEvents.off('completed', wake);
      deps.queueEvents.off('failed', wake);
    },
  };
}
