import { describe, expect, it } from 'vitest';
import { READY_FOR_REMOVAL } from '../../../src/domain/operations.ts';
import { errorCode } from '../../../src/errors.ts';
import { processNextChunk } from '../../../src/jobs/processing.ts';
import { CHUNK_TIMEOUTS } from '../../../src/jobs/transaction-timeouts.ts';
import { useTestDatabase } from '../../support/database.ts';
import { createMarkedJob, createTenant } from '../../support/factories.ts';
import { holdJobRow } from '../../support/worker-blocker.ts';

// A chunk waits for the jobs row with no lock timeout (ordinary contention), but no statement
// of it runs longer than CHUNK_TIMEOUTS.statementMs: behind a holder of the row that outlasts
// that, the chunk ends with 57014 (statement timeout) at the bound, having recorded nothing.
// Its timeouts must reach the server before the statements that wait for the lock; sent
// after them, the chunk waited for the holder and then ran.

const t = useTestDatabase();
const SLACK_MS = 3000;

describe('a chunk behind a holder of the jobs row that outlasts its statement timeout', () => {
  it('ends at the bound with a statement timeout, recording nothing', async () => {
    const bound = CHUNK_TIMEOUTS.statementMs;
    const { job } = await createMarkedJob(t.db, await createTenant(t.db), 20);
    const holder = await holdJobRow(t, job.id, bound + 10_000);
    try {
      const started = performance.now();
      const outcome = await processNextChunk(
        t.db,
        { jobId: job.id, operation: READY_FOR_REMOVAL },
        10,
      ).then(
        () => 'ran',
        (err: unknown) => errorCode(err),
      );
      const tookMs = performance.now() - started;
      expect(outcome, `after ${Math.round(tookMs)} ms`).toBe('57014');
      expect(tookMs).toBeGreaterThanOrEqual(bound - 100);
      expect(tookMs).toBeLessThan(bound + SLACK_MS);
    } finally {
      await holder.stop();
    }
    expect(await t.sql`select state, processed_count from jobs where id = ${job.id}`).toEqual([
      { state: 'queued', processed_count: 0 },
    ]);
  }, 60_000);
});
