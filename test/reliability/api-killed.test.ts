import { describe, expect, it } from 'vitest';
import { waitForJobsEnded } from '../support/invariants.ts';
import type { ServiceProcess } from '../support/processes.ts';
import { assertProblemAnswers, type Client } from '../support/scenario/http.ts';
import { lockNumber, workerBackendsWaitingOnLock } from '../support/scenario/row-lock.ts';
import { checkWorld, type Scenario, useScenario } from '../support/scenario/scenario.ts';
import { ENDPOINT, tenantWithNumbers } from '../support/scenario/tenants.ts';
import { waitFor } from '../support/wait.ts';

// The API dies while a client waits: SIGKILL of the API process during a synchronous
// 500-number request. The client retries on a second API process with the same
// Idempotency-Key and must get the same job's final result, with every number moved once.

let world: Scenario;
let apiA: ServiceProcess;
let apiB: ServiceProcess;
let client: Client;

useScenario('rel-apikill', {}, { apis: 2, workers: 1 }, (started) => {
  world = started.world;
  [apiA, apiB] = started.apis;
  client = started.clients[1];
});

describe('SIGKILL of the API during a synchronous request', () => {
  it('a retry with the same Idempotency-Key on another API gets the same job and its final result', async () => {
    const t = await tenantWithNumbers(world.db.db, 500);
    const lock = await lockNumber(world.db.url, t.numbers[200] as string);
    const key = `"retry-${Date.now()}"`;
    const request = {
      method: 'POST',
      headers: {
        authorization: `Bearer ${t.key}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body: JSON.stringify({ telephoneNumbers: t.numbers }),
    };
    const first = fetch(`${apiA.url}${ENDPOINT}`, request).then(
      (r) => r.status,
      (err: Error) => err,
    );
    const jobId = await waitFor('the job to wait at 200', async () => {
      const [job] = await world.db.sql<{ id: string }[]>`
        select id from jobs where processed_count = 200`;
      return job && (await workerBackendsWaitingOnLock(world.db.sql)).length > 0
        ? job.id
        : undefined;
    });
    expect(await apiA.stop('SIGKILL')).toBe('SIGKILL');
    expect(await first).toBeInstanceOf(Error); // the connection died with the process

    const retryStarted = Date.now();
    const retry = client.request('POST', ENDPOINT, {
      key: t.key,
      headers: { 'idempotency-key': key },
      body: { telephoneNumbers: t.numbers },
    });
    // Only once the retry has found the running job does the job go on.
    await apiB.waitForLine(`"jobId":"${jobId}","replayed":true`);
    await lock.release();
    const answer = await retry;
    const retryMs = Date.now() - retryStarted;

    expect(answer.status).toBe(200);
    expect(answer.headers.get('idempotent-replayed')).toBe('true');
    expect(answer.json).toMatchObject({
      status: 'success',
      data: { jobId, requestedCount: 500, processedCount: 500, successCount: 500 },
    });
    const [jobs] = await world.db.sql<{ n: number }[]>`select count(*)::int as n from jobs`;
    expect(jobs?.n).toBe(1);
    await waitForJobsEnded(world.db.sql, [jobId]);
    await checkWorld(world);
    assertProblemAnswers(client.answers);
    console.info(
      `[figure] API SIGKILLed at 200/500 of a sync request: the retry on API B with the same key answered 200 (same job, 500/500) ${retryMs} ms after it was sent`,
    );
  }, 90_000);
});
