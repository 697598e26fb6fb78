import { inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { jobItems, telephoneNumbers } from '../../src/db/tables.ts';
import { READY_FOR_REMOVAL } from '../../src/domain/operations.ts';
import { cancelJob } from '../../src/jobs/cancel.ts';
import { JobNotFoundError, processNextChunk } from '../../src/jobs/processing.ts';
import type { JobProgress } from '../../src/jobs/result-schemas.ts';
import { runJob } from '../../src/jobs/run.ts';
import { statusChanges } from '../../src/numbers/status-changes.ts';
import { useTestDatabase } from '../support/database.ts';
import {
  createCustomer,
  createMarkedJob,
  createNumbers,
  createOperator,
  createTenant,
  uniqueE164,
} from '../support/factories.ts';
import { insertJob, jobRow, ledgerCounts, ledgerOf, recordedOnce } from '../support/worker-jobs.ts';

const t = useTestDatabase();

async function numberRows(e164s: string[]) {
  return t.db.select().from(telephoneNumbers).where(inArray(telephoneNumbers.e164, e164s));
}

describe('runJob: the rules of each operation, per number and in order', () => {
  it('decides every status and ownership case on its own', async () => {
    const { operator, customer } = await createTenant(t.db);
    const notOc = await createCustomer(t.db, operator.id, { operatorConnect: false });
    const other = await createTenant(t.db);
    const make = (
      status: Parameters<typeof createNumbers>[1]['status'],
      customerId: string | null,
    ) =>
      createNumbers(t.db, { operatorId: operator.id, customerId, status }).then(
        (n) => n[0] as string,
      );
    const cases = {
      marked: await make('MarkedForRemoval', customer.id),
      unknown: uniqueE164(),
      foreign: (
        await createNumbers(t.db, {
          operatorId: other.operator.id,
          customerId: other.customer.id,
          status: 'MarkedForRemoval',
        })
      )[0] as string,
      noCustomer: await make('MarkedForRemoval', null),
      notOcCustomer: await make('MarkedForRemoval', notOc.id),
      active: await make('Active', customer.id),
      releaseRequested: await make('ReleaseRequested', customer.id),
      readyForRemoval: await make('ReadyForRemoval', customer.id),
      marked2: await make('MarkedForRemoval', customer.id),
    };
    const numbers = Object.values(cases);
    const job = await insertJob(t.db, { operatorId: operator.id, numbers });
    const before = await numberRows([cases.foreign, cases.active]);

    const progress: JobProgress[] = [];
    const result = await runJob(
      t.db,
      { jobId: job.id, operation: READY_FOR_REMOVAL },
      {
        chunkSize: 4,
        onProgress: (p) => progress.push(p),
      },
    );

    expect(result).toMatchObject({
      status: 'partialSuccess',
      succeeded: false,
      message: '2 of 9 numbers transitioned to ReadyForRemoval status',
      data: {
        jobId: job.id,
        requestedCount: 9,
        processedCount: 9,
        successCount: 2,
        failedCount: 7,
      },
    });
    expect(
      result.data.failures.map((f) => [f.telephoneNumber, f.errorCode, f.currentStatus]),
    ).toEqual([
      [cases.unknown, 'NUMBER_NOT_FOUND', undefined],
      [cases.foreign, 'NUMBER_NOT_FOUND', undefined],
      [cases.noCustomer, 'NOT_OPERATOR_CONNECT_CUSTOMER', undefined],
      [cases.notOcCustomer, 'NOT_OPERATOR_CONNECT_CUSTOMER', undefined],
      [cases.active, 'INVALID_STATUS', 'Active'],
      [cases.releaseRequested, 'INVALID_STATUS', 'ReleaseRequested'],
      [cases.readyForRemoval, 'INVALID_STATUS', 'ReadyForRemoval'],
    ]);
    const ledger = await ledgerOf(t.db, job.id);
    expect(ledger.map((i) => [i.position, i.telephoneNumber])).toEqual(
      numbers.map((n, i) => [i, n]),
    );

    const moved = await numberRows([cases.marked, cases.marked2]);
    for (const row of moved) {
      expect(row).toMatchObject({ status: 'ReadyForRemoval', assignable: false });
      expect(row.confirmedForRemovalAt).toBeInstanceOf(Date);
      const history = await t.sql`
        select job_id, from_status, to_status, operation from ${statusChanges(t.sql)} c
        where c.number_id = ${row.id}`;
      expect(history).toEqual([
        {
          job_id: job.id,
          from_status: 'MarkedForRemoval',
          to_status: 'ReadyForRemoval',
          operation: 'ready-for-removal',
        },
      ]);
    }
    expect(await numberRows([cases.foreign, cases.active])).toEqual(before);

    const row = await jobRow(t.db, job.id);
    expect(row).toMatchObject({ state: 'completed', processedCount: 9, successCount: 2, result });
    expect(row.startedAt).toBeInstanceOf(Date);
    expect(row.finishedAt).toBeInstanceOf(Date);
    expect(await ledgerCounts(t.db, job.id)).toEqual(recordedOnce(9, 2));
    expect(progress.map((p) => p.processedCount)).toEqual([4, 8, 9]);
    expect(progress.at(-1)).toEqual({
      requestedCount: 9,
      processedCount: 9,
      successCount: 2,
      failedCount: 7,
      percent: 100,
    });
  });

  it('returns the stored result and does nothing for a job that already ended', async () => {
    const tenant = await createTenant(t.db);
    const { job } = await createMarkedJob(t.db, tenant, 3);
    const first = await runJob(
      t.db,
      { jobId: job.id, operation: READY_FOR_REMOVAL },
      { chunkSize: 100 },
    );
    expect(first.status).toBe('success');
    expect(first.message).toBe('Numbers successfully transitioned to ReadyForRemoval status');
    expect(
      await runJob(t.db, { jobId: job.id, operation: READY_FOR_REMOVAL }, { chunkSize: 100 }),
    ).toEqual(first);
    expect(await ledgerCounts(t.db, job.id)).toEqual(recordedOnce(3, 3));
  });

  it('stops at the chunk after a cancel, keeping what was committed', async () => {
    const tenant = await createTenant(t.db);
    const { job, numbers } = await createMarkedJob(t.db, tenant, 10);
    expect(
      (await processNextChunk(t.db, { jobId: job.id, operation: READY_FOR_REMOVAL }, 4)).kind,
    ).toBe('progressed');
    const cancelled = await cancelJob(t.db, { operatorId: tenant.operator.id, jobId: job.id });
    expect(cancelled.kind).toBe('cancelled');

    const result = await runJob(
      t.db,
      { jobId: job.id, operation: READY_FOR_REMOVAL },
      { chunkSize: 4 },
    );
    expect(result).toMatchObject({
      status: 'cancelled',
      data: { processedCount: 4, successCount: 4 },
    });
    expect(await ledgerCounts(t.db, job.id)).toEqual(recordedOnce(4, 4));
    const untouched = await numberRows(numbers.slice(4));
    expect(untouched.every((n) => n.status === 'MarkedForRemoval')).toBe(true);
    expect((await jobRow(t.db, job.id)).state).toBe('cancelled');
  });

  it('never records a position twice: the ledger key aborts the chunk, whatever the counters say', async () => {
    const tenant = await createTenant(t.db);
    const { job, numbers } = await createMarkedJob(t.db, tenant, 3);
    // Counters behind the ledger (which the code never does): position 1 is already recorded.
    await t.db.insert(jobItems).values({
      jobId: job.id,
      position: 1,
      telephoneNumber: numbers[1] as string,
      outcome: 'INVALID_STATUS',
      currentStatus: 'Active',
    });
    await expect(
      runJob(t.db, { jobId: job.id, operation: READY_FOR_REMOVAL }, { chunkSize: 10 }),
    ).rejects.toMatchObject({
      code: '23505',
      constraint_name: 'job_items_pk',
    });
    expect(await ledgerCounts(t.db, job.id)).toMatchObject({ items: 1, succeeded: 0 });
    expect((await numberRows(numbers)).map((n) => n.status)).toEqual(
      numbers.map(() => 'MarkedForRemoval'),
    );
    expect(await jobRow(t.db, job.id)).toMatchObject({ state: 'queued', processedCount: 0 });
  });

  it('refuses a job that does not exist', async () => {
    await createOperator(t.db);
    await expect(
      runJob(
        t.db,
        { jobId: '00000000-0000-4000-8000-000000000000', operation: READY_FOR_REMOVAL },
        { chunkSize: 10 },
      ),
    ).rejects.toBeInstanceOf(JobNotFoundError);
  });
});
