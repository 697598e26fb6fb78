import { describe, expect, it } from 'vitest';
import { runClient } from '../support/client-run.ts';
import { useClientService, useQueuedJob } from '../support/client-service.ts';

// The operator's read budget (one read per 2 s here) refuses the client's second read with 429
// and Retry-After; the client waits for the window instead of giving up with exit 4.

const WINDOW_MS = 2000;

const service = useClientService(
  'client-reads',
  { READ_RATE_LIMIT_OPERATOR_MAX: '1', READ_RATE_LIMIT_WINDOW_MS: String(WINDOW_MS) },
  { worker: false },
);
// No worker runs: the job stays queued, and the POST spends no read budget.
const job = useQueuedJob(service, 2);

describe('the bulk client and the read budget', () => {
  it('waits out a 429 on a read and then answers', async () => {
    const first = runClient(['jobs', 'get', job.jobId], job.env);
    expect(await first.exited).toBe(0);
    const second = runClient(['jobs', 'get', job.jobId], job.env);
    expect(await second.exited, second.stderrLines().join('\n')).toBe(0);
    expect(second.stdout()).toMatch(/^state {6}queued$/m);
  }, 60_000);
});
