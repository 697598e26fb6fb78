import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { READY_FOR_REMOVAL } from '../../src/domain/operations.ts';
import { runJob } from '../../src/jobs/run.ts';
import { createLogger } from '../../src/logger.ts';
import { statusChanges } from '../../src/numbers/status-changes.ts';
import { runMaintenance } from '../../workers/maintenance.ts';
import { testConfig } from '../support/config.ts';
import { useTestDatabase } from '../support/database.ts';
import { createMarkedJob, createTenant } from '../support/factories.ts';
import { assertInvariants } from '../support/invariants.ts';
import { deletePrefix, uniquePrefix } from '../support/redis.ts';
import { startTestWorker } from '../support/test-worker.ts';
import { waitFor } from '../support/wait.ts';

// Retention (docs/operations.md, "Retention"): expired Idempotency-Key records are purged;
// with JOB_RETENTION_DAYS, jobs that ended longer ago go with their ledger, in small batches,
// while their numbers' history stays whole; the task runs from a BullMQ job scheduler.

const t = useTestDatabase();

async function endedJob(tenant: Awaited<ReturnType<typeof createTenant>>, daysAgo: number) {
  const { job, numbers } = await createMarkedJob(t.db, tenant, 5);
  await runJob(t.db, { jobId: job.id, operation: READY_FOR_REMOVAL }, { chunkSize: 2 });
  await t.sql`update jobs set finished_at = now() - ${daysAgo} * interval '1 day' where id = ${job.id}`;
  await t.sql`
    insert into idempotency_keys (operator_id, key, request_hash, job_id, created_at)
    values (${tenant.operator.id}, ${job.id}, 'h', ${job.id}, now() - ${daysAgo} * interval '1 day')`;
  return { id: job.id, numbers };
}

const historyOf = (e164: string) => t.sql`
  select c.from_status, c.to_status, c.actor from ${statusChanges(t.sql)} c
  join telephone_numbers n on n.id = c.number_id where n.e164 = ${e164}
  order by c.changed_at, c.seq`;

describe('retention', () => {
  it('purges old keys, and old jobs with their ledger in batches, keeping the history', async () => {
    const tenant = await createTenant(t.db);
    const old = [await endedJob(tenant, 10), await endedJob(tenant, 9), await endedJob(tenant, 8)];
    const recent = await endedJob(tenant, 2);
    const historyBefore = await historyOf(old[0]?.numbers[0] as string);
    expect(historyBefore).toHaveLength(1);

    const keep = testConfig(t.url, 'unused', { JOB_RETENTION_DAYS: '0' });
    const logger = createLogger(keep);
    const onlyKeys = await runMaintenance({
      config: keep,
      sql: t.sql,
      logger,
      isClosing: () => false,
    });
    expect(onlyKeys).toMatchObject({ keys: 4, jobs: 0 }); // every key is older than 24 h

    const config = testConfig(t.url, 'unused', {
      JOB_RETENTION_DAYS: '7',
      RETENTION_BATCH_JOBS: '2',
    });
    const totals = await runMaintenance({ config, sql: t.sql, logger, isClosing: () => false });
    expect(totals).toEqual({ keys: 0, jobs: 3, items: 15, historyKept: 15 });
    const left = await t.sql`select id from jobs`;
    expect(left.map((j) => j.id)).toEqual([recent.id]);
    expect(await t.sql`select 1 from job_items where job_id = ${recent.id}`).toHaveLength(5);
    // The change is still the number's history, now kept outside the ledger.
    expect(await historyOf(old[0]?.numbers[0] as string)).toEqual(historyBefore);
    await assertInvariants(t.sql);
  });

  it('paces the batches to RETENTION_JOBS_PER_SECOND', async () => {
    const tenant = await createTenant(t.db);
    for (let i = 0; i < 6; i++) await endedJob(tenant, 10);
    // Batches of 2 at 4 jobs/s: each starts half a second after the one before, and the
    // third (full) batch is followed by its pause too before the empty fourth.
    const config = testConfig(t.url, 'unused', {
      JOB_RETENTION_DAYS: '7',
      RETENTION_BATCH_JOBS: '2',
      RETENTION_JOBS_PER_SECOND: '4',
    });
    const logger = createLogger(config);
    const started = performance.now();
    const totals = await runMaintenance({ config, sql: t.sql, logger, isClosing: () => false });
    expect(totals).toMatchObject({ jobs: 6, items: 30 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1450);
    expect(config.retention.jobsPerSecond).toBe(4);
    expect(testConfig(t.url, 'unused').retention.jobsPerSecond).toBe(20);
  });

  it('finds expired keys and old jobs by index, not by reading the whole tables', async () => {
    const tenant = await createTenant(t.db);
    await endedJob(tenant, 10);
    // With sequential scans priced out, the planner still reads a table whole when no index
    // fits the statement (a partial index whose condition the query no longer implies, say),
    // so an index scan counted on each index shows the statements can use them.
    const noSeqScan = postgres(t.url, { max: 1, connection: { enable_seqscan: 'off' } });
    const scans = async () => {
      await t.sql`select pg_stat_clear_snapshot()`;
      return t.sql<{ name: string; scans: number }[]>`
        select indexrelname as name, idx_scan::int as scans from pg_stat_user_indexes
        where indexrelname in ('idempotency_keys_created_idx', 'jobs_ended_finished_idx')
        order by 1`;
    };
    try {
      const before = await scans();
      const config = testConfig(t.url, 'unused', { JOB_RETENTION_DAYS: '7' });
      const logger = createLogger(config);
      const totals = await runMaintenance({
        config,
        sql: noSeqScan,
        logger,
        isClosing: () => false,
      });
      expect(totals).toMatchObject({ keys: 1, jobs: 1 });
      // A backend reports its counts at most once a second: ask for the next report now.
      await noSeqScan`select pg_stat_force_next_flush()`;
      await noSeqScan`select 1`;
      await waitFor(
        'both indexes to count a scan',
        async () => {
          const after = await scans();
          return after.every((a, i) => a.scans > (before[i]?.scans ?? 0)) ? after : undefined;
        },
        20_000,
      );
    } finally {
      await noSeqScan.end({ timeout: 5 });
    }
  });

  it('runs from the job scheduler on a worker', async () => {
    const tenant = await createTenant(t.db);
    const old = await endedJob(tenant, 30);
    const prefix = uniquePrefix('retention');
    const config = testConfig(t.url, prefix, {
      JOB_RETENTION_DAYS: '7',
      MAINTENANCE_INTERVAL_MS: '1000',
    });
    const worker = await startTestWorker(config, t.db);
    try {
      await waitFor('the old job to be deleted', async () =>
        (await t.sql`select 1 from jobs where id = ${old.id}`).length === 0 ? true : undefined,
      );
    } finally {
      await worker.close();
      await deletePrefix(prefix);
    }
  });
});
