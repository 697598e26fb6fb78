import { and, eq, inArray, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { closeDb, createDb } from '../../src/db/client.ts';
import { jobItems, telephoneNumbers } from '../../src/db/tables.ts';
import { READY_FOR_REMOVAL } from '../../src/domain/operations.ts';
import { runJob } from '../../src/jobs/run.ts';
import { statusChanges } from '../../src/numbers/status-changes.ts';
import { useTestDatabase } from '../support/database.ts';
import { createMarkedNumbers, createTenant } from '../support/factories.ts';
import { waitFor } from '../support/wait.ts';
import { createHeldJob, waitingBackends } from '../support/worker-blocker.ts';
import { insertJob, jobRow, ledgerCounts, recordedOnce } from '../support/worker-jobs.ts';

const t = useTestDatabase();

describe('processing under faults', () => {
  it('recovers from pg_terminate_backend of its connection mid-job, recording each number once', async () => {
    const { job: row, blocker } = await createHeldJob(t, 500, 120);
    const worker = createDb(t.url, { poolMax: 2, applicationName: 'ocn-terminated-worker' });
    try {
      const run = runJob(
        worker,
        { jobId: row.id, operation: READY_FOR_REMOVAL },
        { chunkSize: 50 },
      );
      const pids = await waitFor('the worker to wait inside the chunk after 100', async () => {
        const waiting = await waitingBackends(t.sql, 'ocn-terminated-worker');
        return waiting.length > 0 ? waiting : undefined;
      });
      expect((await jobRow(t.db, row.id)).processedCount).toBe(100);
      const [killed] = await t.sql`select bool_and(pg_terminate_backend(pid)) as ok
        from unnest(${pids}::int[]) as pid`;
      expect(killed?.ok).toBe(true);
      await blocker.release();

      const result = await run;
      expect(result).toMatchObject({ status: 'success', data: { processedCount: 500 } });
      expect(await ledgerCounts(t.db, row.id)).toEqual(recordedOnce(500, 500));
      expect(await jobRow(t.db, row.id)).toMatchObject({
        state: 'completed',
        processedCount: 500,
        successCount: 500,
      });
    } finally {
      await closeDb(worker);
    }
  });

  it('gives exactly one success per number to 20 jobs racing over overlapping numbers', async () => {
    const tenant = await createTenant(t.db);
    const pool = await createMarkedNumbers(t.db, tenant, 300);
    // Each job takes 150 numbers of the pool from a different offset, in a different order,
    // so every number is wanted by about 10 jobs and lock orders would cross.
    const jobs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const slice = Array.from({ length: 150 }, (_, k) => pool[(i * 15 + k) % 300] as string);
        return insertJob(t.db, {
          operatorId: tenant.operator.id,
          numbers: i % 2 === 0 ? slice : slice.reverse(),
        });
      }),
    );
    const racers = createDb(t.url, { poolMax: 20, applicationName: 'ocn-racers' });
    try {
      const results = await Promise.all(
        jobs.map((job) =>
          runJob(racers, { jobId: job.id, operation: READY_FOR_REMOVAL }, { chunkSize: 10 }),
        ),
      );
      expect(results.every((r) => r.data.processedCount === 150)).toBe(true);
    } finally {
      await closeDb(racers);
    }

    const ids = jobs.map((j) => j.id);
    const successes = await t.db
      .select({ number: jobItems.telephoneNumber, n: sql<number>`count(*)::int` })
      .from(jobItems)
      .where(and(inArray(jobItems.jobId, ids), eq(jobItems.outcome, 'SUCCEEDED')))
      .groupBy(jobItems.telephoneNumber);
    expect(successes).toHaveLength(300);
    expect(successes.every((s) => s.n === 1)).toBe(true);
    const losers = await t.db
      .select({ status: jobItems.currentStatus, outcome: jobItems.outcome })
      .from(jobItems)
      .where(and(inArray(jobItems.jobId, ids), eq(jobItems.outcome, 'INVALID_STATUS')));
    expect(losers).toHaveLength(20 * 150 - 300);
    expect(losers.every((l) => l.status === 'ReadyForRemoval')).toBe(true);
    const history = await t.sql<{ n: number }[]>`
      select count(*)::int as n from ${statusChanges(t.sql)} c where c.job_id = any(${ids}::uuid[])`;
    expect(history[0]?.n).toBe(300);
    for (const job of jobs) {
      const row = await jobRow(t.db, job.id);
      const counts = await ledgerCounts(t.db, job.id);
      expect(row.state).toBe('completed');
      expect([row.processedCount, row.successCount]).toEqual([counts.items, counts.succeeded]);
    }
    const moved = await t.db
      .select({ n: sql<number>`count(*)::int` })
      .from(telephoneNumbers)
      .where(
        and(inArray(telephoneNumbers.e164, pool), eq(telephoneNumbers.status, 'ReadyForRemoval')),
      );
    expect(moved[0]?.n).toBe(300);
  });
});
