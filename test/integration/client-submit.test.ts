import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  expectLedgerAgrees,
  INVALID_LINES,
  mixedInventory,
  readResults,
  runClient,
  writeInputFile,
} from '../support/client-run.ts';
import { useClientService } from '../support/client-service.ts';
import { lockNumber, workerBackendsBlockedBy } from '../support/scenario/row-lock.ts';
import { waitFor } from '../support/wait.ts';

// The bulk client against a real API and worker with a small budget (5 requests per 2 s), so
// pacing matters: a 5,000-number file is 10 batches, two windows' worth. The small budget is the
// operator's share; the global one is ten times larger and listed first in the RateLimit
// fields, so meeting no 429 shows the client paces by every listed policy, not the first.

const svc = useClientService('client', {
  RATE_LIMIT_MAX: '50',
  RATE_LIMIT_OPERATOR_MAX: '5',
  RATE_LIMIT_WINDOW_MS: '2000',
  WORKER_CHUNK_SIZE: '100',
});
const BATCH_LINE = /^batch \d+\/10: /;

async function scenario(name: string) {
  const inventory = await mixedInventory(svc.db);
  const file = join(svc.dir, `${name}.txt`);
  const out = join(svc.dir, `${name}-results.csv`);
  await writeInputFile(file, inventory.numbers);
  const args = ['submit', file, '--url', svc.url, '--skip-invalid', '--out', out, '--json'];
  const env = { OCN_API_KEY: inventory.tenant.apiKey.key };
  return { ...inventory, file, out, args, env };
}

const rateLimitedAnswers = () => svc.api.lines.filter((l) => l.includes('"statusCode":429')).length;

describe('submit', () => {
  it('writes every number with its true outcome, in file order, as the ledger has it; meets no 429', async () => {
    const s = await scenario('full');
    const before = rateLimitedAnswers();
    const run = runClient(s.args, s.env);
    expect(await run.exited).toBe(1); // mixed outcomes: some numbers failed a rule

    const summary = JSON.parse(run.stdout());
    expect(summary).toMatchObject({ toSend: 5000, batches: 10, submitted: 10, replayed: 0 });
    expect(summary).toMatchObject({
      invalid: INVALID_LINES.length,
      duplicates: INVALID_LINES.length,
    });
    expect(summary.rateLimited).toBe(0);
    expect(rateLimitedAnswers() - before).toBe(0);
    // Not a terminal: one plain line per batch, no escape codes.
    const lines = run.stderrLines();
    expect(lines.filter((l) => BATCH_LINE.test(l))).toHaveLength(10);
    expect(lines.join('\n')).not.toContain(String.fromCharCode(27));

    const rows = await readResults(s.out);
    const sent = rows.filter(
      (r) =>
        r.outcome !== 'DUPLICATE' &&
        !r.outcome.startsWith('INVALID_E') &&
        r.outcome !== 'IMPOSSIBLE_LENGTH' &&
        r.outcome !== 'INVALID_COUNTRY_CODE',
    );
    expect(rows).toHaveLength(5000 + 2 * INVALID_LINES.length);
    expect(sent.map((r) => r.telephoneNumber)).toEqual(s.numbers);
    for (const row of sent)
      expect(row.outcome, row.telephoneNumber).toBe(s.expected.get(row.telephoneNumber));
    await expectLedgerAgrees(svc.db, s.tenant.operator.id, rows);
  }, 60_000);

  it('killed half-way (SIGKILL) and run again: finishes, replays, processes no number twice', async () => {
    const s = await scenario('kill');
    const first = runClient(s.args, s.env);
    await first.waitForLines(BATCH_LINE, 5);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const second = runClient(s.args, s.env);
    expect(await second.exited).toBe(1);
    const summary = JSON.parse(second.stdout());
    expect(summary.replayed).toBeGreaterThanOrEqual(5);
    expect(second.stderrLines().filter((l) => l.includes('(replayed)')).length).toBe(
      summary.replayed,
    );
    const [jobs] = await svc.db.sql<{ n: number }[]>`
      select count(*)::int as n from jobs where operator_id = ${s.tenant.operator.id}`;
    expect(jobs?.n).toBe(10); // each batch is one job, whichever run sent it
    const rows = await readResults(s.out);
    expect(rows.filter((r) => r.outcome === 'SUCCEEDED')).toHaveLength(3700);
    await expectLedgerAgrees(svc.db, s.tenant.operator.id, rows);
  }, 60_000);

  it('interrupted (SIGINT) half-way: cancels the job in flight, writes partial results, exits 3', async () => {
    const s = await scenario('interrupt');
    // Batch 6 stops at a locked number (not in its last chunk of 100): its job is in flight,
    // deterministically, and numbers after that chunk stay unprocessed.
    const blocked = s.numbers
      .slice(2500, 3000)
      .find((n, i) => i > 250 && i < 390 && s.expected.get(n) === 'SUCCEEDED') as string;
    const lock = await lockNumber(svc.db.url, blocked);
    try {
      const run = runClient(s.args, s.env);
      // Waiting on this lock's holder, not any lock: only then is batch 6 surely in flight.
      await waitFor('a worker waiting on the locked number', async () =>
        (await workerBackendsBlockedBy(svc.db.sql, lock.pid)).length > 0 ? true : undefined,
      );
      expect(run.child.exitCode, run.stderrLines().join('\n')).toBeNull();
      run.child.kill('SIGINT');
      // The cancel waits for the chunk that holds the job row: release it once it does.
      await waitFor('the cancel to wait for the job row', async () => {
        const rows = await svc.db.sql`select pid from pg_stat_activity
          where application_name = 'oc-numbers-api' and wait_event_type = 'Lock'`;
        return rows.length > 0 ? true : undefined;
      });
      await lock.release();
      expect(await run.exited, run.stderrLines().join('\n')).toBe(3);
      expect(JSON.parse(run.stdout())).toMatchObject({ interrupted: true, exitCode: 3 });
      const [job] = await svc.db.sql<{ id: string; state: string; processed_count: number }[]>`
        select id, state, processed_count from jobs
        where operator_id = ${s.tenant.operator.id} and ${blocked} = any(telephone_numbers)`;
      expect(job?.state).toBe('cancelled');
      expect(job?.processed_count).toBeLessThan(500);
      const rows = await readResults(s.out);
      expect(rows).toHaveLength(5000 + 2 * INVALID_LINES.length);
      const unprocessed = rows.filter((r) => r.jobId === job?.id && r.outcome === 'NOT_PROCESSED');
      expect(unprocessed.length).toBeGreaterThan(0);
      expect(unprocessed).toHaveLength(500 - (job?.processed_count ?? 0));
      await expectLedgerAgrees(svc.db, s.tenant.operator.id, rows);
    } finally {
      await lock.release();
    }
  }, 60_000);
});
