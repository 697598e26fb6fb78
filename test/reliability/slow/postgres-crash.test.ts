import { afterAll, describe, expect, it } from 'vitest';
import { closeDb, createDb, type Database } from '../../../src/db/client.ts';
import { assertInvariants, waitForJobsEnded } from '../../support/invariants.ts';
import { type PrivatePostgres, startPrivatePostgres } from '../../support/pg-cluster.ts';
import { type ServiceProcess, startApi, startWorker } from '../../support/processes.ts';
import { deletePrefix, uniquePrefix } from '../../support/redis.ts';
import { REDIS_URL } from '../../support/services.ts';
import { waitFor } from '../../support/wait.ts';
import { assertProblemAnswers, createClient } from '../support/http.ts';
import { lockNumber, workerBackendsWaitingOnLock } from '../support/row-lock.ts';
import { ASYNC, ENDPOINT, JOBS, tenantWithNumbers } from '../support/tenants.ts';

// Postgres crashes mid-job (a throwaway cluster, `pg_ctl stop -m immediate`), stays down 10 s
// and comes back. Every answer meanwhile is a 503, never a 500; a 200 answer's numbers never
// revert; a poller never sees progress go backwards; the job ends with each number once.

const DOWN_MS = 10_000;

let pg: PrivatePostgres | undefined;
let db: Database | undefined;
const processes: ServiceProcess[] = [];
const prefix = uniquePrefix('rel-pgcrash');
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  if (db) await closeDb(db);
  await pg?.stop();
  await deletePrefix(prefix);
});

describe('Postgres crashes mid-job and comes back', () => {
  it('answers 503 while it is down, keeps every answered result, and finishes the job', async () => {
    pg = await startPrivatePostgres();
    const url = pg.url('oc_numbers');
    const env = { DATABASE_URL: url, REDIS_URL, QUEUE_PREFIX: prefix, WORKER_CHUNK_SIZE: '50' };
    const api = await startApi(env); // creates and migrates the database
    processes.push(api, await startWorker(env));
    const client = createClient(api.url as string);
    db = createDb(url, { poolMax: 4, applicationName: 'oc-numbers-test' });
    const sql = db.$client;
    const t = await tenantWithNumbers(db, 550);

    const answered = await client.request('POST', ENDPOINT, {
      key: t.key,
      body: { telephoneNumbers: t.numbers.slice(0, 50) },
    });
    expect(answered.status).toBe(200);
    const lock = await lockNumber(url, t.numbers[250] as string);
    const accepted = await client.request('POST', ENDPOINT, {
      key: t.key,
      headers: ASYNC,
      body: { telephoneNumbers: t.numbers.slice(50) },
    });
    expect(accepted.status).toBe(202);
    const jobId = (accepted.json as { jobId: string }).jobId;
    await waitFor('the job to wait at 200', async () => {
      const [job] = await sql<
        { n: number }[]
      >`select processed_count as n from jobs where id = ${jobId}`;
      return job?.n === 200 && (await workerBackendsWaitingOnLock(sql)).length > 0
        ? true
        : undefined;
    });

    const seen: number[] = [];
    const seenAt: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const answer = await client.request('GET', `${JOBS}/${jobId}`, { key: t.key });
        const progress = (answer.json as { progress?: { processedCount: number } }).progress;
        if (answer.status === 200 && progress) {
          seen.push(progress.processedCount);
          seenAt.push(Date.now());
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    await pg.crash();
    const crashedAt = Date.now();
    const released = lock.release(); // its connection died with the server
    const during: { status: number; ms: number }[] = [];
    for (let i = 0; Date.now() - crashedAt < DOWN_MS; i++) {
      const started = Date.now();
      const answer = await client.request('POST', ENDPOINT, {
        key: t.key,
        headers: ASYNC,
        body: { telephoneNumbers: [t.numbers[i % 50] as string] },
      });
      during.push({ status: answer.status, ms: Date.now() - started });
      await new Promise((r) => setTimeout(r, 250));
    }
    await pg.start();
    const restartedAt = Date.now();
    await released;
    await waitForJobsEnded(sql, [jobId], 120_000);
    const endedMs = Date.now() - restartedAt;
    polling = false;
    await poller;

    expect(during.length).toBeGreaterThan(0);
    expect(during.map((d) => d.status).filter((s) => s !== 503)).toEqual([]);
    // How long each took is recorded, not bounded: postgres.js retries a refused connection
    // with backoff for about its connect timeout (5 s here), and a request may meet it twice.
    const [job] =
      await sql`select state, processed_count, success_count from jobs where id = ${jobId}`;
    expect(job).toEqual({ state: 'completed', processed_count: 500, success_count: 500 });
    const [kept] = await sql<{ n: number }[]>`
      select count(*)::int as n from telephone_numbers
      where e164 = any(${t.numbers.slice(0, 50)}) and status = 'ReadyForRemoval'`;
    expect(kept?.n).toBe(50);
    // Intermediate chunks commit asynchronously (docs/reliability.md): a crash may lose the last
    // of them, so progress may step back once, across the crash, and never otherwise.
    const backwards = seen
      .map((n, i) => ({ from: seen[i - 1] ?? 0, to: n, at: seenAt[i] ?? 0 }))
      .filter((x, i) => i > 0 && x.to < x.from);
    expect(backwards.filter((x) => x.at < crashedAt)).toEqual([]);
    expect(backwards.length).toBeLessThanOrEqual(1);
    await assertInvariants(sql);
    assertProblemAnswers(client.answers);
    const ms = during.map((d) => d.ms).sort((a, b) => a - b);
    console.info(
      `[figure] postgres crash (immediate) at 200/500, down ${DOWN_MS} ms: ${during.length} POSTs meanwhile all 503 in ${ms[0]}–${ms.at(-1)} ms; ` +
        `job completed 500/500 ${endedMs} ms after the restart; the earlier 200 answer's 50 numbers kept; ` +
        `${seen.length} polls; progress went back ${backwards.map((b) => `${b.from} → ${b.to}`).join(', ') || 'never'} (across the crash)`,
    );
  }, 240_000);
});
