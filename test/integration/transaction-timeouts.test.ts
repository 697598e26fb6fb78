import { describe, expect, it } from 'vitest';
import { CANCEL_ATTEMPTS, CANCEL_TIMEOUTS } from '../../src/jobs/transaction-timeouts.ts';
import { useApiSuite } from '../support/app.ts';
import { createMarkedJob } from '../support/factories.ts';
import { JOBS } from '../support/job-routes.ts';
import { holdJobRow } from '../support/worker-blocker.ts';

// A cancel waits for the jobs row at most `lockMs` per try, CANCEL_ATTEMPTS tries, then
// answers 503: its timeouts must reach the server before the statements that wait for the
// lock, not after them. The holder here outlasts the bound by far, so a cancel whose timeouts
// came too late waits for the holder (29 s) and answers 200; the upper bound on the time leaves
// room for a busy machine's round trips and still tells the two apart.

const s = useApiSuite('tx-timeouts', {}, { worker: false });
const BACKOFF_AND_ROUND_TRIPS_MS = 5000;
const HOLDER_OUTLASTS_BOUND_MS = 20_000;

describe('a cancel behind a holder of the jobs row that outlasts its bound', () => {
  it('answers 503 once its tries have each waited their lock timeout', async () => {
    const bound = CANCEL_ATTEMPTS * CANCEL_TIMEOUTS.lockMs;
    const { job } = await createMarkedJob(s.t.db, s.tenant, 3);
    const holder = await holdJobRow(s.t, job.id, bound + HOLDER_OUTLASTS_BOUND_MS);
    try {
      const started = performance.now();
      const res = await s.api.app.inject({
        method: 'DELETE',
        url: `${JOBS}/${job.id}`,
        headers: s.auth,
      });
      const tookMs = performance.now() - started;
      expect(res.statusCode, `answered after ${Math.round(tookMs)} ms`).toBe(503);
      expect(res.json()).toMatchObject({ errorCode: 'SERVICE_UNAVAILABLE' });
      expect(tookMs).toBeGreaterThanOrEqual(bound - 100);
      expect(tookMs).toBeLessThan(bound + BACKOFF_AND_ROUND_TRIPS_MS);
    } finally {
      await holder.stop();
    }
    expect(await s.t.sql`select state from jobs where id = ${job.id}`).toEqual([
      { state: 'queued' },
    ]);
  });
});
