import { afterAll, describe, expect, it } from 'vitest';
import { type ServiceProcess, startService } from '../support/processes.ts';
import { startTestWorker } from '../support/test-worker.ts';
import { waitFor } from '../support/wait.ts';
import { blockedBy, createHeldJobs } from '../support/worker-blocker.ts';
import { jobRow, ledgerCounts, recordedOnce } from '../support/worker-jobs.ts';
import { useQueueSuite, waitForJobState } from '../support/worker-queue.ts';

const q = useQueueSuite('wterm', { WORKER_CHUNK_SIZE: '50' });
let child: ServiceProcess | undefined;
afterAll(() => child?.stop());

describe('SIGTERM to a worker process', () => {
  it('stops taking jobs, checkpoints the running one, closes everything and exits 0', async () => {
    const { jobs, blocker } = await createHeldJobs(q.t, [500, 20], 120);
    const [running, later] = jobs as [(typeof jobs)[0], (typeof jobs)[0]];

    child = await startService('worker', {
      DATABASE_URL: q.t.url,
      REDIS_URL: q.config.redisUrl,
      QUEUE_PREFIX: q.prefix,
      WORKER_CHUNK_SIZE: '50',
      SHUTDOWN_TIMEOUT_MS: '3000',
    });
    await q.producer.enqueue(running);
    // Two chunks committed and the third waiting for the held number: only then is SIGTERM
    // sent while the job runs (a worker not yet running it would close at once, and never
    // reach "asking running jobs to stop").
    await waitFor('the worker to be inside the chunk 100..149', async () => {
      const { processedCount } = await jobRow(q.t.db, running.id);
      const waiting = await blockedBy(q.t.sql, 'oc-numbers-worker', blocker.pid);
      return processedCount === 100 && waiting.length > 0 ? true : undefined;
    });

    // Each step bounded well inside the test's own timeout, so a step that never comes fails
    // by its name, with the worker's output (waitForLine prints it).
    child.child.kill('SIGTERM');
    await child.waitForLine('"msg":"shutting down"', 10_000);
    await q.producer.enqueue(later);
    // Past half the deadline the job is asked to stop after the chunk it is in.
    await child.waitForLine('asking running jobs to stop', 10_000);
    await blocker.release();
    await child.waitForLine('"msg":"stopped"', 10_000);
    expect(await child.exited).toBe(0);

    // Checkpointed: the chunk in flight committed, the job went back to the queue without
    // spending an attempt, and the job enqueued after SIGTERM was not taken.
    expect(await jobRow(q.t.db, running.id)).toMatchObject({
      state: 'active',
      processedCount: 150,
    });
    const requeued = await q.producer.queue.getJob(running.id);
    expect(await requeued?.getState()).toBe('waiting');
    expect(requeued?.attemptsMade).toBe(0);
    expect((await jobRow(q.t.db, later.id)).state).toBe('queued');

    const next = await startTestWorker(q.config, q.t.db);
    try {
      for (const [row, count] of [[running, 500] as const, [later, 20] as const]) {
        await waitForJobState(q.t.db, row.id, ['completed']);
        expect(await ledgerCounts(q.t.db, row.id)).toEqual(recordedOnce(count, count));
      }
    } finally {
      await next.close();
    }
  }, 45_000);
});
