import { createHash, randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Database, Executor } from '../db/client.ts';
import { idempotencyKeys, jobs } from '../db/schema.ts';
import type { ActionQueue } from '../queue/action-queue.ts';
import type { JobSummaryRow } from './job-view.ts';
import type { Operation } from './operations.ts';
import { findIdempotencyKey, getJob, summaryColumns } from './queries.ts';

export interface CreateJobInput {
  operatorId: string;
  apiKeyId: string;
  telephoneNumbers: string[];
  traceId: string;
  idempotency?: { key: string; requestHash: string; ttlMs: number };
}

export type CreateJobOutcome =
  | { kind: 'created'; job: JobSummaryRow }
  /** Same Idempotency-Key, same body: the first request's job. */
  | { kind: 'replayed'; job: JobSummaryRow }
  /** Same Idempotency-Key, different body. */
  | { kind: 'mismatch' };

/** The job could not be put on the queue; its rows were removed again. */
export class EnqueueError extends Error {
  constructor(cause: unknown) {
    super('the job could not be queued', { cause });
    this.name = 'EnqueueError';
  }
}

/**
 * What identifies "the same request" for Idempotency-Key: the operation and the numbers, in
 * order, so a key used for one operation never replays as another. Ready-for-removal keeps the
 * hash it had before there were other operations, so keys stored then still match.
 */
export function requestHash(operation: Operation, telephoneNumbers: readonly string[]): string {
  const request =
    operation.name === 'ready-for-removal'
      ? telephoneNumbers
      : { operation: operation.name, telephoneNumbers };
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

const KEY_TAKEN = Symbol('idempotency key taken');

/**
 * The job lifecycle's first step: the jobs row (with the Idempotency-Key row, in one transaction),
 * then the BullMQ job with the same id; if that add fails, the rows are deleted again unless a
 * worker has started the job (the add reached Redis, its reply was lost). The key's primary
 * key serialises concurrent duplicates: the second waits for the first to commit and then
 * answers about the first job.
 */
export async function createJob(
  deps: { db: Database; queue: ActionQueue },
  operation: Operation,
  input: CreateJobInput,
): Promise<CreateJobOutcome> {
  const { db } = deps;
  if (input.idempotency) {
    const earlier = await earlierRequest(db, input);
    if (earlier) return earlier;
  }
  const jobId = randomUUID();
  const values = {
    id: jobId,
    operatorId: input.operatorId,
    apiKeyId: input.apiKeyId,
    operation: operation.name,
    telephoneNumbers: input.telephoneNumbers,
    requestedCount: input.telephoneNumbers.length,
    traceId: input.traceId,
  };
  let job: JobSummaryRow;
  const idempotency = input.idempotency;
  if (!idempotency) {
    // One statement needs no explicit transaction: one round trip instead of three.
    job = firstRow(await db.insert(jobs).values(values).returning(summaryColumns));
  } else {
    try {
      job = await db.transaction(async (tx) => {
        const row = firstRow(await tx.insert(jobs).values(values).returning(summaryColumns));
        await claimKey(tx, input.operatorId, jobId, idempotency);
        return row;
      });
    } catch (err) {
      if (err !== KEY_TAKEN) throw err;
      const earlier = await earlierRequest(db, input);
      if (earlier) return earlier;
      throw new Error('idempotency key taken but not found');
    }
  }
  try {
    await deps.queue.add(operation.name, { jobId, operatorId: input.operatorId }, { jobId });
  } catch (err) {
    // The add may have reached Redis with only its reply lost, and a worker may run the job
    // already: then it was queued after all. Withdrawn or not, never a 500.
    const withdrawn = await withdrawUnstarted(db, jobId).catch(() => false);
    if (!withdrawn) return { kind: 'created', job };
    throw new EnqueueError(err);
  }
  return { kind: 'created', job };
}

/**
 * Deletes a job (and its Idempotency-Key) that no worker has started, under the jobs-row lock
 * every chunk takes first; a worker that gets the row afterwards finds no job and does nothing.
 * False if a worker started it (its numbers may have moved: the record must stay) or the
 * database could not be reached (the recovery sweep enqueues the job again later).
 */
async function withdrawUnstarted(db: Database, jobId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ state: jobs.state })
      .from(jobs)
      .where(eq(jobs.id, jobId))
      .for('update');
    if (row?.state !== 'queued') return false;
    await tx.delete(idempotencyKeys).where(eq(idempotencyKeys.jobId, jobId));
    await tx.delete(jobs).where(eq(jobs.id, jobId));
    return true;
  });
}

function firstRow<T>(rows: T[]): T {
  const [row] = rows;
  if (!row) throw new Error('job insert returned no row');
  return row;
}

/** Inserts the key, or takes over an expired one; throws KEY_TAKEN while a live one exists. */
async function claimKey(
  tx: Executor,
  operatorId: string,
  jobId: string,
  idempotency: NonNullable<CreateJobInput['idempotency']>,
) {
  const claimed = await tx
    .insert(idempotencyKeys)
    .values({ operatorId, key: idempotency.key, requestHash: idempotency.requestHash, jobId })
    .onConflictDoUpdate({
      target: [idempotencyKeys.operatorId, idempotencyKeys.key],
      set: { requestHash: idempotency.requestHash, jobId, createdAt: sql`now()` },
      setWhere: sql`${idempotencyKeys.createdAt} <= now() - ${idempotency.ttlMs} * interval '1 millisecond'`,
    })
    .returning({ jobId: idempotencyKeys.jobId });
  if (claimed.length === 0) throw KEY_TAKEN;
}

async function earlierRequest(
  db: Database,
  input: CreateJobInput,
): Promise<CreateJobOutcome | undefined> {
  const idem = input.idempotency;
  if (!idem) return undefined;
  const record = await findIdempotencyKey(db, input.operatorId, idem.key, idem.ttlMs);
  if (!record) return undefined;
  if (record.requestHash !== idem.requestHash) return { kind: 'mismatch' };
  const job = await getJob(db, input.operatorId, record.jobId);
  return job ? { kind: 'replayed', job } : undefined;
}
