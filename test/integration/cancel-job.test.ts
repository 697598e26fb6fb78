import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { jobItems, jobs } from '../../src/db/tables.ts';
import { cancelJob } from '../../src/jobs/cancel.ts';
import { useTestDatabase } from '../support/database.ts';
import { createMarkedJob, createOperator, createTenant } from '../support/factories.ts';
import { insertJob, jobRow } from '../support/worker-jobs.ts';

const t = useTestDatabase();

describe('cancelJob', () => {
  it('reports unknown ids, malformed ids and jobs of another operator as not found', async () => {
    const { operator } = await createTenant(t.db);
    const other = await createOperator(t.db);
    const job = await insertJob(t.db, { operatorId: operator.id, numbers: ['+12065550100'] });
    const cases = [
      { operatorId: operator.id, jobId: randomUUID() },
      { operatorId: operator.id, jobId: 'not-a-uuid' },
      { operatorId: other.id, jobId: job.id },
    ];
    for (const target of cases) {
      expect(await cancelJob(t.db, target)).toEqual({ kind: 'not-found' });
    }
    expect((await jobRow(t.db, job.id)).state).toBe('queued');
  });

  it('cancels a running job with its partial result from the ledger, once', async () => {
    const tenant = await createTenant(t.db);
    const { job, numbers } = await createMarkedJob(t.db, tenant, 3, { state: 'active' });
    // As if the worker had committed one chunk of two numbers: one success, one failure.
    await t.db.insert(jobItems).values([
      { jobId: job.id, position: 0, telephoneNumber: numbers[0] as string, outcome: 'SUCCEEDED' },
      {
        jobId: job.id,
        position: 1,
        telephoneNumber: numbers[1] as string,
        outcome: 'INVALID_STATUS',
        currentStatus: 'Active',
      },
    ]);
    await t.db.update(jobs).set({ processedCount: 2, successCount: 1 }).where(eq(jobs.id, job.id));

    const first = await cancelJob(t.db, { operatorId: tenant.operator.id, jobId: job.id });
    expect(first.kind).toBe('cancelled');
    if (first.kind !== 'cancelled') return;
    expect(first.job.cancelRequestedAt).toBeInstanceOf(Date);
    expect(first.job.finishedAt).toBeInstanceOf(Date);
    expect(first.job.result).toMatchObject({
      status: 'cancelled',
      succeeded: false,
      data: {
        jobId: job.id,
        requestedCount: 3,
        processedCount: 2,
        successCount: 1,
        failedCount: 1,
        failures: [
          { telephoneNumber: numbers[1], errorCode: 'INVALID_STATUS', currentStatus: 'Active' },
        ],
      },
    });

    const again = await cancelJob(t.db, { operatorId: tenant.operator.id, jobId: job.id });
    expect(again).toEqual({ kind: 'cancelled', job: first.job });
  });

  it('leaves completed and failed jobs unchanged', async () => {
    const { operator } = await createTenant(t.db);
    for (const state of ['completed', 'failed'] as const) {
      const job = await insertJob(t.db, { operatorId: operator.id, numbers: ['+1'], state });
      const outcome = await cancelJob(t.db, { operatorId: operator.id, jobId: job.id });
      expect(outcome).toMatchObject({
        kind: 'finished',
        job: { id: job.id, state, result: job.result },
      });
    }
  });
});
