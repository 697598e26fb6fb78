import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitWithin, readResults, runClient } from '../support/client-run.ts';
import { useClientService } from '../support/client-service.ts';
import { createMarkedNumbers, createTenant } from '../support/factories.ts';
import { recordingProxy, type Tamper } from '../support/recording-proxy.ts';
import { lockNumber, workerBackendsWaitingOnLock } from '../support/scenario/row-lock.ts';
import { waitFor } from '../support/wait.ts';

// What the client does with answers it cannot trust: a body that is not what its status
// promises (a gateway's login page, another service, a bug), and a job that does not end.
// Either way the batch's rows say UNKNOWN and the run ends with exit 4, in bounded time. The
// bodies come from a proxy in front of the real service; the job that does not end is a real
// one, held by a row lock on one of its numbers.

const svc = useClientService('client-answers', { WORKER_CHUNK_SIZE: '5' });
const JOB_PATH = /^\/api\/v3\/oc\/numbers\/jobs\/[0-9a-f-]{36}$/;

async function tenantFile(name: string, count = 10) {
  const tenant = await createTenant(svc.db.db);
  const numbers = await createMarkedNumbers(svc.db.db, tenant, count);
  const file = join(svc.dir, `${name}.txt`);
  await writeFile(file, `${numbers.join('\n')}\n`);
  return { tenant, numbers, file, out: join(svc.dir, `${name}.csv`) };
}

async function submitThrough(name: string, tamper: Tamper) {
  const t = await tenantFile(name);
  const front = await recordingProxy(svc.url, tamper);
  try {
    const run = runClient(['submit', t.file, '--url', front.url, '--out', t.out, '--json'], {
      OCN_API_KEY: t.tenant.apiKey.key,
    });
    const code = await exitWithin(run, 20_000);
    const errors = run.stderrLines().filter((l) => l.startsWith('error: '));
    return { code, errors, summary: JSON.parse(run.stdout()), rows: await readResults(t.out) };
  } finally {
    await front.close();
  }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(JSON.stringify(body)),
});

describe('answers of the wrong shape', () => {
  it('a job Location answering 200 with a page that is not a job: UNKNOWN, exit 4, no endless polling', async () => {
    const s = await submitThrough('login-page', (request) =>
      request.method === 'GET' && JOB_PATH.test(request.url)
        ? {
            status: 200,
            headers: { 'content-type': 'text/html' },
            body: Buffer.from('<h1>Sign in</h1>'),
          }
        : undefined,
    );
    expect(s.code).toBe(4);
    expect(s.errors).toEqual([
      expect.stringMatching(
        /answered 200 with a body that is not a job \(Invalid input: expected object, received string\)$/,
      ),
    ]);
    expect(s.rows.map((r) => r.outcome)).toEqual(Array(10).fill('UNKNOWN'));
    expect(s.rows.every((r) => /^[0-9a-f-]{36}$/.test(r.jobId))).toBe(true);
    expect(s.summary).toMatchObject({ unknown: 10, exitCode: 4 });
  }, 60_000);

  it('a job whose state is not one the service has: UNKNOWN, exit 4', async () => {
    const s = await submitThrough('odd-state', (request, answer) => {
      if (request.method !== 'GET' || !JOB_PATH.test(request.url)) return undefined;
      return json(200, { ...JSON.parse(answer.body.toString()), state: 'paused' });
    });
    expect(s.code).toBe(4);
    expect(s.errors).toEqual([expect.stringMatching(/not a job \(state: /)]);
    expect(s.rows.map((r) => r.outcome)).toEqual(Array(10).fill('UNKNOWN'));
  }, 60_000);

  it('a 200 to the POST that is not a job result: UNKNOWN (not NOT_SUBMITTED), exit 4', async () => {
    const s = await submitThrough('not-a-result', (request) =>
      request.method === 'POST' ? json(200, { data: { jobId: null }, status: 'ok' }) : undefined,
    );
    expect(s.code).toBe(4);
    expect(s.errors).toEqual([
      expect.stringMatching(/answered 200 with a body that is not a job result/),
    ]);
    expect(s.rows.map((r) => r.outcome)).toEqual(Array(10).fill('UNKNOWN'));
  }, 60_000);
});

describe('--batch-timeout', () => {
  it('a job that does not end in time: UNKNOWN with its job, exit 4; it goes on, and a re-run picks up its result', async () => {
    const t = await tenantFile('stuck');
    // The worker's chunk that reaches this number waits on the lock: the job stays active.
    const lock = await lockNumber(svc.db.url, t.numbers[7] as string);
    const args = ['submit', t.file, '--url', svc.url, '--out', t.out, '--json'];
    const env = { OCN_API_KEY: t.tenant.apiKey.key };
    try {
      const run = runClient([...args, '--batch-timeout', '2'], env);
      expect(await exitWithin(run, 20_000)).toBe(4);
      expect(await workerBackendsWaitingOnLock(svc.db.sql)).not.toEqual([]);
      const [job] = await svc.db.sql<{ id: string; state: string }[]>`
        select id, state from jobs where operator_id = ${t.tenant.operator.id}`;
      expect(job?.state).toBe('active');
      expect(run.stderrLines().filter((l) => l.startsWith('error: '))).toEqual([
        `error: job ${job?.id} had not ended after 2 s (--batch-timeout); it may still run: see "jobs get ${job?.id}", or run the file again later to pick up its result`,
      ]);
      const rows = await readResults(t.out);
      expect(rows.map((r) => [r.outcome, r.jobId])).toEqual(Array(10).fill(['UNKNOWN', job?.id]));
      expect(JSON.parse(run.stdout())).toMatchObject({ unknown: 10, exitCode: 4 });
    } finally {
      await lock.release();
    }
    await waitFor('the job to end', async () => {
      const [job] = await svc.db.sql<{ state: string }[]>`
        select state from jobs where operator_id = ${t.tenant.operator.id}`;
      return job?.state === 'completed' ? true : undefined;
    });
    const again = runClient(args, env);
    expect(await again.exited).toBe(0);
    expect(JSON.parse(again.stdout())).toMatchObject({ replayed: 1, outcomes: { SUCCEEDED: 10 } });
  }, 60_000);

  it('a duration that is not whole seconds is a usage error: exit 2, nothing sent', async () => {
    const t = await tenantFile('bad-timeout', 1);
    for (const value of ['0x10', '1e3', '0', '-5']) {
      const run = runClient(['submit', t.file, '--url', svc.url, `--batch-timeout=${value}`], {
        OCN_API_KEY: t.tenant.apiKey.key,
      });
      expect(await run.exited).toBe(2);
      expect(run.stderrLines()).toEqual([
        `error: --batch-timeout must be whole seconds from 1 to 86400, got "${value}"`,
      ]);
    }
  }, 60_000);
});
