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
  /** `enqueueError`: the add reported a failure, yet the job exists and runs (see below). */
  | { kind: 'created'; job: JobSummaryRow; enqueueError?: unknown }
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

/** The Idempotency-Key kept changing hands under concurrent requests; retrying will settle it. */
export class IdempotencyKeyBusyError extends Error {
  constructor() {
    super('the idempotency key is being claimed by concurrent requests');
    this.name = 'IdempotencyKeyBusyError';
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
 * The job lifecycle's first step: the jobs row (with the Idempotency-Key row, in one
 * transaction), then the BullMQ job with the same id; if that add fails, the rows are deleted
 * again unless a worker already took the job. The key's primary key serialises concurrent
 * duplicates: the second waits for the first to commit and then answers about the first job.
 */
export async function createJob(
  deps: { db: Database; queue: ActionQueue },
  operation: Operation,
  input: CreateJobInput,
): Promise<CreateJobOutcome> {
  // A key seen taken and then found gone (expired in between, or freed by a request whose
  // enqueue failed) is free again: claim it anew, a few times at most.
  for (let attempt = 0; attempt < 3; attempt++) {
    const outcome = await createOrReplay(deps.db, operation, input);
    if (outcome === KEY_GONE) continue;
    if (outcome.kind !== 'created') return outcome;
    return enqueue(deps, operation, input.operatorId, outcome.job);
  }
  throw new IdempotencyKeyBusyError();
}

const KEY_GONE = Symbol('idempotency key taken, then gone');

async function createOrReplay(
  db: Database,
  operation: Operation,
  input: CreateJobInput,
): Promise<CreateJobOutcome | typeof KEY_GONE> {
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
  const idempotency = input.idempotency;
  if (!idempotency) {
    // One statement needs no explicit transaction: one round trip instead of three.
    return {
      kind: 'created',
      job: firstRow(await db.insert(jobs).values(values).returning(summaryColumns)),
    };
  }
  try {
    const job = await db.transaction(async (tx) => {
      const row = firstRow(await tx.insert(jobs).values(values).returning(summaryColumns));
      await claimKey(tx, input.operatorId, jobId, idempotency);
      return row;
    });
    return { kind: 'created', job };
  } catch (err) {
    if (err !== KEY_TAKEN) throw err;
    return (await earlierRequest(db, input)) ?? KEY_GONE;
  }
}

/**
 * Puts the job on the queue. When the add fails, the rows are removed only if no worker has
 * touched the job: an add can fail after it reached Redis (a lost reply), and then a worker
 * may already be moving numbers. Such a job exists, so the answer is the job, not an error.
 */
async function enqueue(
  deps: { db: Database; queue: ActionQueue },
  operation: Operation,
  operatorId: string,
  job: JobSummaryRow,
): Promise<CreateJobOutcome> {
  try {
    await deps.queue.add(operation.name, { jobId: job.id, operatorId }, { jobId: job.id });
    return { kind: 'created', job };
  } catch (enqueueError) {
    // If even the clean-up fails, the rows stay and the worker's recovery sweep enqueues the
    // job later: it exists either way.
    const removed = await removeUntouchedJob(deps.db, job.id).catch(() => false);
    if (removed) throw new EnqueueError(enqueueError);
    const current = await getJob(deps.db, operatorId, job.id).catch(() => undefined);
    return { kind: 'created', job: current ?? job, enqueueError };
  }
}

/**
 * Deletes a job (and its Idempotency-Key) that no worker has started, under the jobs-row lock
 * every chunk takes first; a worker that gets the row afterwards finds no job and does nothing.
 * False if a worker started it (its numbers may have moved: the record must stay).
 */
async function removeUntouchedJob(db: Database, jobId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    // The worker locks this row for every chunk: the check and the delete see a settled state.
    const [row] = await tx
      .select({ state: jobs.state, startedAt: jobs.startedAt })
      .from(jobs)
      .where(eq(jobs.id, jobId))
      .for('update');
    if (!row) return true;
    if (row.state !== 'queued' || row.startedAt !== null) return false;
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
