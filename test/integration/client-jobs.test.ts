import { describe, expect, it } from 'vitest';
import { runClient } from '../support/client-run.ts';
import { useClientService, useQueuedJob } from '../support/client-service.ts';

// `jobs list|get|watch|cancel|items` against a real API. No worker runs, so a job stays
// queued until the test cancels it: every state the commands show is one the test made.

const service = useClientService('client-jobs', {}, { worker: false });
const job = useQueuedJob(service, 3);

describe('jobs commands', () => {
  it('list and get show the queued job', async () => {
    const list = runClient(['jobs', 'list', '--json'], job.env);
    expect(await list.exited).toBe(0);
    expect(JSON.parse(list.stdout()).data).toMatchObject([{ jobId: job.jobId, state: 'queued' }]);
    const get = runClient(['jobs', 'get', job.jobId], job.env);
    expect(await get.exited).toBe(0);
    expect(get.stdout()).toMatch(/^state {6}queued$/m);
  }, 30_000);

  it('watch follows the job until cancel ends it; items lists the numbers left', async () => {
    const watch = runClient(['jobs', 'watch', job.jobId], job.env);
    await watch.waitForLines(new RegExp(`^${job.jobId} .* queued`), 1);
    const cancel = runClient(['jobs', 'cancel', job.jobId], job.env);
    expect(await cancel.exited).toBe(0);
    expect(cancel.stdout()).toMatch(/^state {6}cancelled$/m);
    expect(await watch.exited).toBe(1); // ended without every number succeeding
    expect(watch.stdout()).toMatch(/^result {5}cancelled: /m);

    const items = runClient(['jobs', 'items', job.jobId, '--outcome', 'NOT_PROCESSED'], job.env);
    expect(await items.exited).toBe(0);
    const lines = items.stdout().trimEnd().split('\n');
    expect(lines[0]).toBe('position,telephoneNumber,outcome,currentStatus,detail,processedAt');
    expect(lines.slice(1).map((l) => l.split(',')[2])).toEqual(Array(3).fill('NOT_PROCESSED'));
  }, 30_000);

  it('a malformed job id is a usage error; an unknown one is a refusal', async () => {
    const bad = runClient(['jobs', 'get', 'nope'], job.env);
    expect(await bad.exited).toBe(2);
    expect(bad.stderrLines()).toEqual([expect.stringContaining('a job id (a UUID) is required')]);
    const unknown = runClient(['jobs', 'get', '00000000-0000-4000-8000-000000000000'], job.env);
    expect(await unknown.exited).toBe(4);
    expect(unknown.stderrLines()).toEqual([expect.stringContaining('404 NOT_FOUND')]);
  }, 30_000);
});
