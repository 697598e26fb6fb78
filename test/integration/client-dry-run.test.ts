import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectLedgerAgrees, readResults, runClient } from '../support/client-run.ts';
import { useClientService } from '../support/client-service.ts';
import { createMarkedNumbers, createTenant } from '../support/factories.ts';
import { createMixedNumbers } from '../support/mixed-numbers.ts';
import { recordingProxy } from '../support/recording-proxy.ts';

const ACTION = '/api/v3/oc/numbers/action/ready-for-removal';

// `submit --dry-run` (both operations) and `submit --operation clear-removal-status` against a
// real API and worker, over a few hundred numbers with every kind of outcome.

const svc = useClientService('client-dry');

/** 600 numbers of one tenant (two batches): marked, active, ready, no OC customer, unknown. */
async function inventory(name: string) {
  const tenant = await createTenant(svc.db.db);
  const groups = await createMixedNumbers(svc.db.db, tenant, {
    marked: 400,
    active: 80,
    ready: 40,
    notOperatorConnect: 40,
    unknown: 40,
  });
  // Interleaved, so the kinds spread over the file.
  const numbers = groups.marked.flatMap((n, i) =>
    i % 5 === 4
      ? [
          n,
          ...[groups.active, groups.ready, groups.notOperatorConnect, groups.unknown].flatMap(
            (g) => g[(i - 4) / 5] ?? [],
          ),
        ]
      : [n],
  );
  const file = join(svc.dir, `${name}.txt`);
  await writeFile(file, `${numbers.join('\n')}\n`);
  return { tenant, groups, numbers, file, env: { OCN_API_KEY: tenant.apiKey.key } };
}

type Inventory = Awaited<ReturnType<typeof inventory>>;

function expectedOutcomes(inv: Inventory, success: string) {
  const expected = new Map<string, [string, string]>();
  const set = (numbers: string[], outcome: string, status = '') => {
    for (const n of numbers) expected.set(n, [outcome, status]);
  };
  set(inv.groups.marked, success);
  set(inv.groups.active, 'INVALID_STATUS', 'Active');
  set(inv.groups.ready, 'INVALID_STATUS', 'ReadyForRemoval');
  set(inv.groups.notOperatorConnect, 'NOT_OPERATOR_CONNECT_CUSTOMER');
  set(inv.groups.unknown, 'NUMBER_NOT_FOUND');
  return expected;
}

const statuses = async (operatorId: string) =>
  svc.db.sql<{ e164: string; status: string; assignable: boolean }[]>`
    select e164, status, assignable from telephone_numbers
    where operator_id = ${operatorId} order by e164`;
const jobRows = async (operatorId: string) =>
  (await svc.db.sql`select 1 from jobs where operator_id = ${operatorId}`).length;

async function submit(inv: Pick<Inventory, 'file' | 'env'>, out: string, ...extra: string[]) {
  const url = extra.includes('--url') ? [] : ['--url', svc.url];
  const args = ['submit', inv.file, ...url, '--out', out, '--json', ...extra];
  const run = runClient(args, inv.env);
  const code = await run.exited;
  return {
    code,
    summary: JSON.parse(run.stdout()),
    stderr: run.stderrLines(),
    rows: await readResults(out),
  };
}

function expectRows(
  rows: Awaited<ReturnType<typeof readResults>>,
  inv: Inventory,
  success: string,
) {
  const expected = expectedOutcomes(inv, success);
  expect(rows.map((r) => r.telephoneNumber)).toEqual(inv.numbers);
  for (const row of rows) {
    const [outcome, status] = expected.get(row.telephoneNumber) ?? [];
    expect([row.outcome, row.currentStatus], row.telephoneNumber).toEqual([outcome, status]);
  }
}

describe('submit --dry-run', () => {
  for (const operation of ['ready-for-removal', 'clear-removal-status'] as const) {
    it(`${operation}: every row says what would happen; nothing changes, no job exists`, async () => {
      const inv = await inventory(`dry-${operation}`);
      const before = await statuses(inv.tenant.operator.id);
      const out = join(svc.dir, `dry-${operation}.csv`);
      // The guard reads the real /openapi.json and lets the run go on.
      const run = await submit(inv, out, '--dry-run', '--operation', operation);
      expect(run.code).toBe(1); // some numbers would fail a rule
      expect(run.stderr.filter((l) => l.startsWith('error:'))).toEqual([]);
      const batchLines = run.stderr.filter((l) => l.startsWith('batch '));
      expect(batchLines).toHaveLength(2);
      for (const line of batchLines) expect(line).toContain('(dry run: nothing changed)');
      expect(run.summary).toMatchObject({
        operation,
        dryRun: true,
        toSend: 600,
        batches: 2,
        submitted: 2,
        replayed: 0,
        rateLimited: 0,
        succeeded: 400,
        failed: 200,
        exitCode: 1,
        outcomes: {
          WOULD_SUCCEED: 400,
          INVALID_STATUS: 120,
          NOT_OPERATOR_CONNECT_CUSTOMER: 40,
          NUMBER_NOT_FOUND: 40,
        },
      });
      expectRows(run.rows, inv, 'WOULD_SUCCEED');
      expect(run.rows.every((r) => r.jobId === '')).toBe(true);
      expect(await statuses(inv.tenant.operator.id)).toEqual(before);
      expect(await jobRows(inv.tenant.operator.id)).toBe(0);
    }, 60_000);
  }

  it('all would succeed: exit 0, no Prefer, no Idempotency-Key; the real run is no replay', async () => {
    const tenant = await createTenant(svc.db.db);
    const numbers = await createMarkedNumbers(svc.db.db, tenant, 300);
    const file = join(svc.dir, 'all-marked.txt');
    await writeFile(file, `${numbers.join('\n')}\n`);
    const proxy = await recordingProxy(svc.url);
    const viaProxy = (name: string, ...flags: string[]) =>
      submit(
        { file, env: { OCN_API_KEY: tenant.apiKey.key } },
        join(svc.dir, `${name}.csv`),
        '--url',
        proxy.url,
        ...flags,
      );
    try {
      const dry = await viaProxy('all-dry', '--dry-run');
      expect([dry.code, dry.summary.dryRun, dry.summary.outcomes]).toEqual([
        0,
        true,
        { WOULD_SUCCEED: 300 },
      ]);
      expect(await jobRows(tenant.operator.id)).toBe(0);
      const dryPosts = proxy.posts();
      expect(dryPosts.map((p) => p.url)).toEqual([`${ACTION}?dryRun=true`]);
      // Without a job, respond-async means nothing; a key could shadow the real run's.
      expect(dryPosts[0]?.headers).not.toHaveProperty('prefer');
      expect(dryPosts[0]?.headers).not.toHaveProperty('idempotency-key');

      const real = await viaProxy('all-real');
      expect([real.code, real.summary.replayed, real.summary.outcomes]).toEqual([
        0,
        0,
        { SUCCEEDED: 300 },
      ]);
      expect(await jobRows(tenant.operator.id)).toBe(1);
      const realPost = proxy.posts().at(-1);
      expect(realPost?.url).toBe(ACTION);
      expect(realPost?.headers['idempotency-key']).toMatch(/^"ocn-client-v1:ready-for-removal:/);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});

describe('submit --operation clear-removal-status', () => {
  it('clears the marked numbers, reports every other one with its true outcome', async () => {
    const inv = await inventory('clear');
    const out = join(svc.dir, 'clear.csv');
    const run = await submit(inv, out, '--operation', 'clear-removal-status');
    expect(run.code).toBe(1);
    expect(run.summary).toMatchObject({
      operation: 'clear-removal-status',
      dryRun: false,
      submitted: 2,
      succeeded: 400,
      failed: 200,
      outcomes: { SUCCEEDED: 400 },
    });
    expectRows(run.rows, inv, 'SUCCEEDED');
    await expectLedgerAgrees(svc.db, inv.tenant.operator.id, run.rows);
    const after = new Map((await statuses(inv.tenant.operator.id)).map((r) => [r.e164, r]));
    for (const n of inv.groups.marked) {
      expect(after.get(n)).toMatchObject({ status: 'Active', assignable: true });
    }
    const jobs = await svc.db.sql<{ operation: string }[]>`
      select operation from jobs where operator_id = ${inv.tenant.operator.id}`;
    expect(jobs.map((j) => j.operation)).toEqual(['clear-removal-status', 'clear-removal-status']);

    // Run again: both batches replay their jobs; nothing is processed twice.
    const again = await submit(
      inv,
      join(svc.dir, 'clear-again.csv'),
      '--operation',
      'clear-removal-status',
    );
    expect(again.code).toBe(1);
    expect(again.summary).toMatchObject({ replayed: 2, outcomes: { SUCCEEDED: 400 } });
    expect(await jobRows(inv.tenant.operator.id)).toBe(2);
  }, 90_000);
});
