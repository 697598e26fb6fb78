import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { jobItems, jobs, telephoneNumbers } from '../../src/db/tables.ts';
import { statusChanges } from '../../src/numbers/status-changes.ts';
import { useApiSuite } from '../support/app.ts';
import { waitFor } from '../support/wait.ts';
import { lockNumbers } from '../support/worker-blocker.ts';

// A client that disconnects while it waits for its job cancels the job (docs/api.md,
// "Waiting"): the real API and a real worker, the job stopped mid-way by a held row lock.

const URL = '/api/v3/oc/numbers/action/ready-for-removal';
const CLEAR_URL = '/api/v3/oc/action/clear-removal-status';
/** Numbers of the disconnect tests' jobs. */
const COUNT = 50;
// Chunks of one number: the job can be stopped between two numbers by a lock on one of them.
const suite = useApiSuite('api-disconnect', { WORKER_CHUNK_SIZE: '1', SYNC_WAIT_MS: '10000' });
const { marked } = suite;

describe('a client that disconnects while waiting', () => {
  it.each([
    { operation: 'ready-for-removal', url: URL, moved: 'ReadyForRemoval' },
    { operation: 'clear-removal-status', url: CLEAR_URL, moved: 'Active' },
  ] as const)(
    '$operation: a client that disconnects while waiting cancels its job; the partial result stays on the job',
    async ({ operation, url, moved }) => {
      const numbers = await marked(COUNT);
      const base = await suite.api.listen();
      const release = await lockNumbers(suite.t.sql, [numbers[2] as string]);
      const abort = new AbortController();
      const request = fetch(`${base}${url}`, {
        method: 'POST',
        headers: { ...suite.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ telephoneNumbers: numbers }),
        signal: abort.signal,
      }).catch((err: Error) => err);
      // The worker has done two numbers and waits for the third (locked here).
      const jobId = await waitFor('the worker to wait at the third number', async () => {
        const [r] = await suite.t.db
          .select({ id: jobs.id, processed: jobs.processedCount })
          .from(jobs)
          .where(
            and(
              eq(jobs.operatorId, suite.tenant.operator.id),
              eq(jobs.operation, operation),
              eq(jobs.requestedCount, COUNT),
              eq(jobs.state, 'active'),
            ),
          );
        if (r?.processed !== 2) return undefined;
        // …and is inside its third chunk, waiting for the held number's row lock.
        const [waiting] = await suite.t.sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'
            and query like '%for no key update%'`;
        return (waiting?.n ?? 0) > 0 ? r.id : undefined;
      });
      abort.abort();
      expect(await request).toBeInstanceOf(Error);
      // The API's cancel queues behind the worker's chunk for the job (its waiting statement is
      // lockJob's exclusive advisory lock; a chunk takes it shared).
      await waitFor('the cancel to queue behind the chunk', async () => {
        const [r] = await suite.t.sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'
            and query like '%pg_advisory_xact_lock(%'`;
        return (r?.n ?? 0) >= 1 ? true : undefined;
      });
      await release();
      const row = await waitFor('the job to be cancelled', async () => {
        const [r] = await suite.t.db.select().from(jobs).where(eq(jobs.id, jobId));
        return r?.state === 'cancelled' ? r : undefined;
      });
      // It lands right after the held chunk: the worker's next chunk queues behind the cancel.
      const done = row.processedCount;
      expect(done).toBe(3);
      expect(row.successCount).toBe(done);
      expect(row.cancelRequestedAt).not.toBeNull();
      expect(row.result).toMatchObject({
        status: 'cancelled',
        succeeded: false,
        data: {
          jobId,
          requestedCount: COUNT,
          processedCount: done,
          successCount: done,
          failedCount: 0,
          failures: [],
        },
      });
      // Counts equal the ledger; the numbers after the cut were left untouched.
      const ledger = await suite.t.db.select().from(jobItems).where(eq(jobItems.jobId, jobId));
      expect(ledger.map((i) => i.position).sort()).toEqual([...Array(done).keys()]);
      expect(ledger.filter((i) => i.outcome === 'SUCCEEDED')).toHaveLength(done);
      // Check once the worker has let go of the job for good (a wrongly resuming worker would
      // still hold it, or have put it back to wait).
      await waitFor('the worker to finish with the job', async () => {
        const state = await suite.api.deps.queue.getJobState(jobId);
        return state === 'completed' || state === 'failed' || state === 'unknown'
          ? state
          : undefined;
      });
      const statuses = await suite.t.db
        .select({ e164: telephoneNumbers.e164, status: telephoneNumbers.status })
        .from(telephoneNumbers)
        .where(inArray(telephoneNumbers.e164, numbers));
      const byNumber = new Map(statuses.map((s) => [s.e164, s.status]));
      expect(numbers.map((n) => byNumber.get(n))).toEqual(
        numbers.map((_, i) => (i < done ? moved : 'MarkedForRemoval')),
      );
      const [after] = await suite.t.db
        .select({ processed: jobs.processedCount, state: jobs.state })
        .from(jobs)
        .where(eq(jobs.id, jobId));
      expect(after).toEqual({ processed: done, state: 'cancelled' });
      const [history] = await suite.t.sql<{ n: number }[]>`
      select count(*)::int as n from ${statusChanges(suite.t.sql)} c where c.job_id = ${jobId}`;
      expect(history?.n).toBe(done);
    },
  );
});
