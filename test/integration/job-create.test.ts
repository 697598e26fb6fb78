import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { READY_FOR_REMOVAL } from '../../src/domain/operations.ts';
import { createJob } from '../../src/jobs/create.ts';
import { requestHash } from '../../src/jobs/idempotency.ts';
import type { OperationQueue } from '../../src/queue/operation-queue.ts';
import { useApiSuite } from '../support/app.ts';
import { createMarkedNumbers } from '../support/factories.ts';
import { waitFor } from '../support/wait.ts';
import { waitForJobState } from '../support/worker-queue.ts';

// Job creation edge cases: an enqueue that reports failure after it reached Redis, and an
// Idempotency-Key seen taken and then found gone. Both must describe what is true, not 500.

const suite = useApiSuite('job-create');

const input = (telephoneNumbers: string[], idempotency?: { key: string; ttlMs: number }) => ({
  operatorId: suite.tenant.operator.id,
  apiKeyId: suite.tenant.apiKey.id,
  telephoneNumbers,
  traceId: 'test',
  ...(idempotency && {
    idempotency: { ...idempotency, requestHash: requestHash(READY_FOR_REMOVAL, telephoneNumbers) },
  }),
});

describe('createJob', () => {
  it('an add that fails after reaching Redis, once the worker moved numbers: the job, not an error', async () => {
    const numbers = await createMarkedNumbers(suite.t.db, suite.tenant, 3);
    const real = suite.api.deps.queue;
    // BullMQ's add reached Redis, then its reply was lost: the worker runs the job meanwhile.
    const lostReply = {
      async add(...args: Parameters<typeof real.add>) {
        const job = await real.add(...args);
        await waitForJobState(suite.t.db, job.id as string, ['completed']);
        throw new Error('Connection is closed.');
      },
    } as unknown as OperationQueue;
    const outcome = await createJob(
      { db: suite.t.db, queue: lostReply },
      READY_FOR_REMOVAL,
      input(numbers),
    );
    expect(outcome).toMatchObject({
      kind: 'created',
      job: { state: 'completed', successCount: 3 },
    });
    expect(outcome.kind === 'created' && outcome.enqueueError).toBeInstanceOf(Error);
  });

  it('an add that fails before any worker took the job: nothing stays behind', async () => {
    const numbers = await createMarkedNumbers(suite.t.db, suite.tenant, 1);
    const down = {
      async add() {
        throw new Error('Connection is closed.');
      },
    } as unknown as OperationQueue;
    await expect(
      createJob({ db: suite.t.db, queue: down }, READY_FOR_REMOVAL, input(numbers)),
    ).rejects.toMatchObject({
      name: 'EnqueueError',
    });
    const [row] = await suite.t.sql<{ n: number }[]>`
      select count(*)::int as n from jobs where ${numbers[0] as string} = any(telephone_numbers)`;
    expect(row?.n).toBe(0);
  });

  it('an Idempotency-Key seen taken and then gone is claimed anew', async () => {
    const numbers = await createMarkedNumbers(suite.t.db, suite.tenant, 1);
    const key = `k-${randomUUID()}`;
    const ttlMs = 1500;
    // Another request holds the key, uncommitted, so ours first finds nothing and then waits
    // on the key's primary key; by the time ours looks again, that key has expired.
    let commit!: () => void;
    const committed = new Promise<void>((r) => {
      commit = r;
    });
    let inserted!: (createdAt: string) => void;
    const keyCreatedAt = new Promise<string>((r) => {
      inserted = r;
    });
    const other = suite.t.sql.begin(async (tx) => {
      const [job] = await tx<{ id: string }[]>`
        insert into jobs (id, operator_id, telephone_numbers, requested_count)
        values (${randomUUID()}, ${suite.tenant.operator.id}, ${numbers}, 1) returning id`;
      await tx`
        insert into idempotency_keys (operator_id, key, request_hash, job_id)
        values (${suite.tenant.operator.id}, ${key}, ${requestHash(READY_FOR_REMOVAL, numbers)}, ${job?.id as string})`;
      const [at] = await tx<{ now: string }[]>`select now()::text as now`;
      inserted(at?.now as string);
      await committed;
    });
    await keyCreatedAt;
    const ours = createJob(
      { db: suite.t.db, queue: suite.api.deps.queue },
      READY_FOR_REMOVAL,
      input(numbers, { key, ttlMs }),
    );
    await waitFor('our claim to wait on the key', async () => {
      const [r] = await suite.t.sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`;
      return (r?.n ?? 0) >= 1 ? true : undefined;
    });
    const heldSince = await keyCreatedAt;
    await waitFor(
      'the other key to be older than its TTL',
      async () => {
        const [r] = await suite.t.sql<{ old: boolean }[]>`
          select clock_timestamp() - ${heldSince}::timestamptz > ${ttlMs} * interval '1 millisecond' as old`;
        return r?.old ? true : undefined;
      },
      10_000,
    );
    commit();
    await other;
    const outcome = await ours;
    expect(outcome.kind).toBe('created');
    const [row] = await suite.t.sql<{ job_id: string }[]>`
      select job_id from idempotency_keys where key = ${key}`;
    expect(outcome.kind === 'created' && row?.job_id).toBe(
      outcome.kind === 'created' && outcome.job.id,
    );
  });
});
