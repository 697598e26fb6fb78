import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectLedgerAgrees, readResults, runClient } from '../support/client-run.ts';
import { useClientService } from '../support/client-service.ts';
import {
  createMarkedNumbers,
  createNumbers,
  createTenant,
  uniqueE164,
} from '../support/factories.ts';

// What a run sends again. Numbers a failed job never processed go again as a job of their own
// (a bounded number of times); `--fresh` sends a whole file again where a plain re-run would
// replay the stored results. The jobs fail for real: the worker has one attempt, and a trigger
// in this file's own database refuses some ledger rows for good, as a broken disk or a bad
// migration would.

const svc = useClientService('client-rerun', { WORKER_ATTEMPTS: '1', WORKER_CHUNK_SIZE: '50' });

beforeAll(async () => {
  await svc.db.sql.unsafe(`
    create table test_doomed_numbers (e164 text primary key);
    create function test_refuse_items() returns trigger language plpgsql as $$
    begin
      -- A 100-number job fails in its second chunk; the 50 numbers it left pass on their own.
      if new.position = 60 and (select requested_count from jobs where id = new.job_id) = 100 then
        raise exception 'disk on fire';
      end if;
      -- A doomed number fails every job it is in.
      if exists (select 1 from test_doomed_numbers where e164 = new.telephone_number) then
        raise exception 'bad block';
      end if;
      return new;
    end $$;
    create trigger test_refuse_items before insert on job_items
      for each row execute function test_refuse_items();`);
});

async function submitFile(name: string, numbers: string[], apiKey: string, ...flags: string[]) {
  const file = join(svc.dir, `${name}.txt`);
  await writeFile(file, `${numbers.join('\n')}\n`);
  const out = join(svc.dir, `${name}-${flags.join('')}.csv`);
  const run = runClient(['submit', file, '--url', svc.url, '--out', out, '--json', ...flags], {
    OCN_API_KEY: apiKey,
  });
  const code = await run.exited;
  const errors = run.stderrLines().filter((l) => l.startsWith('error: '));
  const batches = run.stderrLines().filter((l) => l.startsWith('batch '));
  return { code, errors, batches, summary: JSON.parse(run.stdout()), rows: await readResults(out) };
}

const jobsOf = (operatorId: string) =>
  svc.db.sql<{ id: string; state: string; requested_count: number; processed_count: number }[]>`
    select id, state, requested_count, processed_count from jobs
    where operator_id = ${operatorId} order by created_at, requested_count desc`;

describe('a failed job', () => {
  it('sends its unprocessed numbers again as a job of their own; a re-run replays both jobs', async () => {
    const tenant = await createTenant(svc.db.db);
    const numbers = await createMarkedNumbers(svc.db.db, tenant, 100);
    const first = await submitFile('failed-once', numbers, tenant.apiKey.key);
    expect(first.errors).toEqual([]);
    expect(first.code).toBe(0);
    expect(first.summary).toMatchObject({ submitted: 1, resent: 50, outcomes: { SUCCEEDED: 100 } });
    const [failed, rest, ...others] = await jobsOf(tenant.operator.id);
    expect(others).toEqual([]);
    expect(failed).toMatchObject({ state: 'failed', requested_count: 100, processed_count: 50 });
    expect(rest).toMatchObject({ state: 'completed', requested_count: 50, processed_count: 50 });
    expect(first.rows.map((r) => r.jobId)).toEqual([
      ...Array(50).fill(failed?.id),
      ...Array(50).fill(rest?.id),
    ]);
    expect(first.batches).toEqual([expect.stringContaining(`job ${failed?.id} + ${rest?.id}`)]);
    await expectLedgerAgrees(svc.db, tenant.operator.id, first.rows);

    // The failed job replays (500 JOB_FAILED), its rest's job too: nothing new is created.
    const again = await submitFile('failed-once', numbers, tenant.apiKey.key);
    expect([again.code, again.errors]).toEqual([0, []]);
    expect(again.summary).toMatchObject({ replayed: 1, outcomes: { SUCCEEDED: 100 } });
    expect(again.rows).toEqual(first.rows);
    expect(await jobsOf(tenant.operator.id)).toHaveLength(2);
  }, 60_000);

  it('numbers no job can process: sent again twice at most, then NOT_PROCESSED and exit 4', async () => {
    const tenant = await createTenant(svc.db.db);
    const numbers = await createMarkedNumbers(svc.db.db, tenant, 60);
    await svc.db.sql`insert into test_doomed_numbers values (${numbers[55] as string})`;
    const run = await submitFile('doomed', numbers, tenant.apiKey.key);
    expect(run.code).toBe(4);
    const jobs = await jobsOf(tenant.operator.id);
    expect(jobs.map((j) => [j.state, j.requested_count, j.processed_count])).toEqual([
      ['failed', 60, 50],
      ['failed', 10, 0],
      ['failed', 10, 0],
    ]);
    const last = jobs[2]?.id;
    expect(run.errors).toEqual([
      `error: 10 numbers were still not processed after 3 jobs (the last, ${last}, failed)`,
    ]);
    expect(run.summary).toMatchObject({ resent: 20, succeeded: 50, notProcessed: 10 });
    expect(run.rows.slice(50).map((r) => [r.outcome, r.jobId])).toEqual(
      Array(10).fill(['NOT_PROCESSED', last]),
    );
    await expectLedgerAgrees(svc.db, tenant.operator.id, run.rows);
  }, 60_000);
});

describe('--fresh', () => {
  it('sends the file again after its data was fixed, where a plain re-run replays the failures', async () => {
    const tenant = await createTenant(svc.db.db);
    // Submitted before the inventory was imported: every number is unknown to the service.
    const numbers = Array.from({ length: 20 }, uniqueE164);
    const first = await submitFile('fixed-later', numbers, tenant.apiKey.key);
    expect([first.code, first.summary.outcomes]).toEqual([1, { NUMBER_NOT_FOUND: 20 }]);

    await createNumbers(svc.db.db, {
      operatorId: tenant.operator.id,
      customerId: tenant.customer.id,
      status: 'MarkedForRemoval',
      e164s: numbers,
    });
    const replay = await submitFile('fixed-later', numbers, tenant.apiKey.key);
    expect([replay.code, replay.summary.replayed, replay.summary.outcomes]).toEqual([
      1,
      1,
      { NUMBER_NOT_FOUND: 20 },
    ]);

    const fresh = await submitFile('fixed-later', numbers, tenant.apiKey.key, '--fresh');
    expect([fresh.code, fresh.errors]).toEqual([0, []]);
    expect(fresh.summary).toMatchObject({ fresh: true, submitted: 1, replayed: 0 });
    expect(fresh.summary.outcomes).toEqual({ SUCCEEDED: 20 });
    const jobs = await jobsOf(tenant.operator.id);
    expect(jobs).toHaveLength(2);
    expect(new Set(fresh.rows.map((r) => r.jobId))).toEqual(new Set([jobs[1]?.id]));
  }, 60_000);

  it('is refused with --dry-run, which sends no key: exit 2', async () => {
    const run = runClient(['submit', '-', '--dry-run', '--fresh'], { OCN_API_KEY: 'ocn_x' });
    expect(await run.exited).toBe(2);
    expect(run.stderrLines()[0]).toMatch(/--fresh has no effect on a dry run/);
  });
});
