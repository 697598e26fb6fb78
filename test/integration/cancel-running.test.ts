import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, createDb } from '../../src/db/client.ts';
import { telephoneNumbers } from '../../src/db/tables.ts';
import { cancelJob } from '../../src/jobs/cancel.ts';
import type { OperationWorker } from '../../workers/create-worker.ts';
import { startTestWorker } from '../support/test-worker.ts';
import { waitFor } from '../support/wait.ts';
import { createHeldJob, waitingBackends } from '../support/worker-blocker.ts';
import { jobRow, ledgerCounts, recordedOnce } from '../support/worker-jobs.ts';
import { useQueueSuite } from '../support/worker-queue.ts';

const q = useQueueSuite('cancel', { WORKER_CHUNK_SIZE: '50' });
let running: OperationWorker;

beforeAll(async () => {
  // The worker has its own pool, as it would in its own process; the cancel below comes
  // through another client, as it would from an API instance.
  const workerDb = createDb(q.t.url, { poolMax: 4, applicationName: 'ocn-cancel-worker' });
  const worker = await startTestWorker(q.config, workerDb);
  running = {
    ...worker,
    close: async () => {
      await worker.close();
      await closeDb(workerDb);
    },
  };
});
afterAll(() => running?.close());

describe('cancelling a running job from another client', () => {
  it('lands after the chunk in flight: committed numbers stay done, the rest untouched', async () => {
    const { tenant, job: row, numbers, blocker } = await createHeldJob(q.t, 500, 120);
    const job = await q.producer.enqueue(row);
    const finished = job.waitUntilFinished(q.events, 20_000);
    await waitFor('the worker to be inside the chunk 100..149', async () =>
      (await waitingBackends(q.t.sql, 'ocn-cancel-worker')).length > 0 ? true : undefined,
    );

    // The cancel waits for the jobs row the chunk holds, then lands right after it.
    const cancelling = cancelJob(q.t.db, { operatorId: tenant.operator.id, jobId: row.id });
    await waitFor('the cancel to wait for the jobs row', async () =>
      (await waitingBackends(q.t.sql, 'oc-numbers-test')).length > 0 ? true : undefined,
    );
    await blocker.release();
    const cancelled = await cancelling;
    expect(cancelled.kind).toBe('cancelled');

    const result = await finished;
    expect(result).toEqual({
      jobId: row.id,
      status: 'cancelled',
      requestedCount: 500,
      processedCount: 150,
      successCount: 150,
      failedCount: 0,
    });
    const stored = await jobRow(q.t.db, row.id);
    expect(stored).toMatchObject({ state: 'cancelled', processedCount: 150, successCount: 150 });
    const { status, ...counts } = result;
    expect(stored.result).toMatchObject({ status, succeeded: false, data: counts });
    expect(stored.cancelRequestedAt).toBeInstanceOf(Date);
    expect(await ledgerCounts(q.t.db, row.id)).toEqual(recordedOnce(150, 150));
    const rest = await q.t.db
      .select({
        status: telephoneNumbers.status,
        confirmed: telephoneNumbers.confirmedForRemovalAt,
      })
      .from(telephoneNumbers)
      .where(inArray(telephoneNumbers.e164, numbers.slice(150)));
    expect(rest).toHaveLength(350);
    expect(rest.every((n) => n.status === 'MarkedForRemoval' && n.confirmed === null)).toBe(true);

    // A cancelled job never resumes, even if delivered again.
    await job.remove();
    const again = await q.producer.enqueue(row);
    expect(await again.waitUntilFinished(q.events, 20_000)).toEqual(result);
    expect((await ledgerCounts(q.t.db, row.id)).items).toBe(150);
  });
});
