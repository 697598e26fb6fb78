import { describe, expect, it } from 'vitest';
import { READY_FOR_REMOVAL } from '../../src/domain/operations.ts';
import { runJob } from '../../src/jobs/run.ts';
import { useTestDatabase } from '../support/database.ts';
import {
  createMarkedJob,
  createMarkedNumbers,
  createTenant,
  numberIdOf,
} from '../support/factories.ts';
import { onTwoConnections, waitForLockWait } from '../support/lock-waits.ts';

// The ledger's references to jobs and numbers are kept by triggers, not foreign keys
// (migration 0003, docs/architecture.md "Integrity"). Each case tries to break them the way a
// foreign key would stop: a row naming nothing, a delete or truncate that would orphan rows, an
// update, and a delete racing a ledger insert.

const t = useTestDatabase();

/** A job with one ledger row naming its first number, written as a test, not by a chunk. */
async function jobWithOneLedgerRow() {
  const { job, numbers } = await createMarkedJob(t.db, await createTenant(t.db), 2);
  const numberId = await numberIdOf(t.db, numbers[0] as string);
  await t.sql`
    insert into job_items (job_id, position, telephone_number, number_id, outcome)
    values (${job.id}, 0, ${numbers[0] as string}, ${numberId}, 'INVALID_STATUS')`;
  return { job, numbers, numberId };
}

const referenceViolation = { code: '23503', constraint_name: 'job_items_references' };

describe('ledger references', () => {
  it('refuses a ledger row naming a job or a number that does not exist', async () => {
    const { job, numbers } = await jobWithOneLedgerRow();
    await expect(t.sql`
      insert into job_items (job_id, position, telephone_number, outcome)
      values (gen_random_uuid(), 0, ${numbers[1] as string}, 'NUMBER_NOT_FOUND')`).rejects.toMatchObject(
      referenceViolation,
    );
    await expect(t.sql`
      insert into job_items (job_id, position, telephone_number, number_id, outcome)
      values (${job.id}, 1, ${numbers[1] as string}, -1, 'INVALID_STATUS')`).rejects.toMatchObject(
      referenceViolation,
    );
  });

  it('refuses to delete or truncate a job or number the ledger names; others go', async () => {
    const { job, numbers, numberId } = await jobWithOneLedgerRow();
    await expect(t.sql`delete from jobs where id = ${job.id}`).rejects.toMatchObject(
      referenceViolation,
    );
    await expect(t.sql`delete from telephone_numbers where id = ${numberId}`).rejects.toMatchObject(
      referenceViolation,
    );
    await expect(t.sql`truncate jobs cascade`).rejects.toMatchObject(referenceViolation);
    await expect(t.sql`truncate telephone_numbers cascade`).rejects.toMatchObject(
      referenceViolation,
    );
    // The job's second number is named by no ledger row.
    const unreferenced = await numberIdOf(t.db, numbers[1] as string);
    const [gone] = await t.sql`
      with d as (delete from telephone_numbers where id = ${unreferenced} returning 1)
      select count(*)::int as n from d`;
    expect(gone).toEqual({ n: 1 });
  });

  it('refuses deletes under a transaction-wide snapshot, which could miss a concurrent ledger row', async () => {
    const [number] = await createMarkedNumbers(t.db, await createTenant(t.db), 1);
    const id = await numberIdOf(t.db, number as string);
    await expect(
      t.sql.begin(
        'isolation level repeatable read',
        (tx) => tx`delete from telephone_numbers where id = ${id}`,
      ),
    ).rejects.toMatchObject({ code: '0A000' });
  });

  it('keeps the ledger append-only', async () => {
    const { job } = await jobWithOneLedgerRow();
    await expect(
      t.sql`update job_items set outcome = 'SUCCEEDED' where job_id = ${job.id}`,
    ).rejects.toMatchObject({ code: '23001' });
  });

  it('makes a delete that races a ledger insert wait, then refuses it', async () => {
    const { job, numbers } = await createMarkedJob(t.db, await createTenant(t.db), 1);
    const e164 = numbers[0] as string;
    const numberId = await numberIdOf(t.db, e164);
    await onTwoConnections(t.sql, async (writer, deleter) => {
      await writer`begin`;
      // Names the number without holding it: the trigger must share-lock it.
      await writer`
        insert into job_items (job_id, position, telephone_number, number_id, outcome)
        values (${job.id}, 0, ${e164}, ${numberId}, 'INVALID_STATUS')`;
      const deleting = deleter`delete from telephone_numbers where id = ${numberId}`.then(
        () => 'deleted',
        (err: { code?: string }) => err.code,
      );
      await waitForLockWait(
        t.sql,
        'the delete to wait for the ledger writer',
        'delete from telephone_numbers%',
      );
      await writer`commit`;
      expect(await deleting).toBe('23503');
    });
  });

  it('lets the chunks of a job record the numbers they hold', async () => {
    const { job } = await createMarkedJob(t.db, await createTenant(t.db), 3);
    const result = await runJob(
      t.db,
      { jobId: job.id, operation: READY_FOR_REMOVAL },
      { chunkSize: 2 },
    );
    expect(result.data).toMatchObject({ processedCount: 3, successCount: 3 });
  });
});
