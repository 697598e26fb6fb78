import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Database, Executor } from '../db/client.ts';
import { idempotencyKeys, jobs } from '../db/tables.ts';
import type { Operation } from '../domain/operations.ts';
import type { OperationQueue } from '../queue/operation-queue.ts';
import { activeTraceIds } from '../telemetry/active-ids.ts';
import { type IdempotencyInput, insertOnce, type KeyedOutcome } from './idempotency.ts';
import type { JobSummaryRow } from './job-view.ts';
import { getJob, summaryColumns } from './queries.ts';

export interface CreateJobInput {
  operatorId: string;
  /** Who asked: an API key, or an OpenID Connect client (`client:<issuer-host>/<client-id>`). */
  apiKeyId: string | null;
  clientPrincipal?: string | null;
  telephoneNumbers: string[];
  traceId: string;
  idempotency?: IdempotencyInput;
}

export type CreateJobOutcome =
  /** `enqueueError`: the add reported a failure, yet the job exists and runs (see `enqueue`). */
  | { kind: 'created'; job: JobSummaryRow; enqueueError?: unknown }
  | Exclude<KeyedOutcome, { kind: 'created' }>;

/** The job could not be put on the queue; its rows were removed again. */
export class EnqueueError extends Error {
  override name = 'EnqueueError';
  constructor(cause: unknown) {
    super('the job could not be queued', { cause });
  }
}

/**
 * The job lifecycle's first step: the jobs row (with the Idempotency-Key row, in one
 * transaction: `idempotency.ts`), then the BullMQ job with the same id; if that add fails, the
 * rows are deleted again unless a worker already took the job.
 */
export async function createJob(
  deps: { db: Database; queue: OperationQueue },
  operation: Operation,
  input: CreateJobInput,
): Promise<CreateJobOutcome> {
  const outcome = await insertOrReplay(deps.db, operation, input);
  if (outcome.kind !== 'created') return outcome;
  return enqueue(deps, operation, input.operatorId, outcome.job);
}

async function insertOrReplay(
  db: Database,
  operation: Operation,
  input: CreateJobInput,
): Promise<KeyedOutcome> {
  const insertJob = (executor: Executor) => insertJobRow(executor, operation, input);
  if (input.idempotency) return insertOnce(db, input.operatorId, input.idempotency, insertJob);
  // One statement needs no explicit transaction: one round trip instead of three.
  return { kind: 'created', job: await insertJob(db) };
}

async function insertJobRow(
  executor: Executor,
  operation: Operation,
  input: CreateJobInput,
): Promise<JobSummaryRow> {
  const [row] = await executor
    .insert(jobs)
    .values({
      id: randomUUID(),
      operatorId: input.operatorId,
      apiKeyId: input.apiKeyId,
      clientPrincipal: input.clientPrincipal ?? null,
      operation: operation.name,
      telephoneNumbers: input.telephoneNumbers,
      requestedCount: input.telephoneNumbers.length,
      traceId: input.traceId,
      // The span writing the row (tracing on): what a re-queued job's trace links back to.
      traceSpanId: activeTraceIds()?.spanId ?? null,
    })
    .returning(summaryColumns);
  if (!row) throw new Error('job insert returned no row');
  return row;
}

/**
 * Puts the job on the queue. When the add fails, the rows are removed only if no worker has
 * touched the job: an add can fail after it reached Redis (a lost reply), and then a worker
 * may already be moving numbers. Such a job exists, so the answer is the job, not an error.
 */
async function enqueue(
  deps: { db: Database; queue: OperationQueue },
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
