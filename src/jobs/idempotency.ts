import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Database, Executor } from '../db/client.ts';
import { idempotencyKeys } from '../db/tables.ts';
import type { Operation } from '../domain/operations.ts';
import type { JobSummaryRow } from './job-view.ts';
import { getJob } from './queries.ts';

// Idempotency-Key (docs/api.md, "Retry safely"): a key records the job its first request
// created; a repeat with the same body gets that job again, one with another body is refused.

export interface IdempotencyInput {
  key: string;
  requestHash: string;
  ttlMs: number;
}

export type KeyedOutcome =
  | { kind: 'created'; job: JobSummaryRow }
  /** Same Idempotency-Key, same body: the first request's job. */
  | { kind: 'replayed'; job: JobSummaryRow }
  /** Same Idempotency-Key, different body. */
  | { kind: 'mismatch' };

/** The Idempotency-Key kept changing hands under concurrent requests; retrying will settle it. */
export class IdempotencyKeyBusyError extends Error {
  override name = 'IdempotencyKeyBusyError';
  constructor() {
    super('the idempotency key is being claimed by concurrent requests');
  }
}

/**
 * What identifies "the same request" for Idempotency-Key: the operation and the numbers, in
 * order, so a key used for one operation never replays as another.
 */
export function requestHash(operation: Operation, telephoneNumbers: readonly string[]): string {
  const request = { operation: operation.name, telephoneNumbers };
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

/**
 * Runs `insertJob` once per live key: the job it inserts and the key's row commit in one
 * transaction, and a request that finds the key already recorded gets the earlier job instead.
 * The key's primary key serialises concurrent duplicates: the second waits for the first to
 * commit and then answers about the first job.
 */
export async function insertOnce(
  db: Database,
  operatorId: string,
  idempotency: IdempotencyInput,
  insertJob: (tx: Executor) => Promise<JobSummaryRow>,
): Promise<KeyedOutcome> {
  // A key seen taken and then found gone (expired in between, or freed by a request whose
  // enqueue failed) is free again: claim it anew, a few times at most.
  for (let attempt = 1; ; attempt++) {
    const earlier = await replay(db, operatorId, idempotency);
    if (earlier) return earlier;
    if (attempt > 3) throw new IdempotencyKeyBusyError();
    const job = await insertClaimingKey(db, operatorId, idempotency, insertJob);
    if (job) return { kind: 'created', job };
  }
}

/** The job and the key's row in one transaction; undefined (nothing written) if the key is live. */
async function insertClaimingKey(
  db: Database,
  operatorId: string,
  idempotency: IdempotencyInput,
  insertJob: (tx: Executor) => Promise<JobSummaryRow>,
): Promise<JobSummaryRow | undefined> {
  try {
    return await db.transaction(async (tx) => {
      const row = await insertJob(tx);
      await claimKey(tx, operatorId, row.id, idempotency);
      return row;
    });
  } catch (err) {
    if (err !== KEY_TAKEN) throw err;
    return undefined;
  }
}

const KEY_TAKEN = Symbol('idempotency key taken');

/** Inserts the key, or takes over an expired one; throws KEY_TAKEN while a live one exists. */
async function claimKey(
  tx: Executor,
  operatorId: string,
  jobId: string,
  idempotency: IdempotencyInput,
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

/** The answer a live key already gives: its job, or a mismatch; undefined while it is free. */
async function replay(
  db: Database,
  operatorId: string,
  idempotency: IdempotencyInput,
): Promise<KeyedOutcome | undefined> {
  const [record] = await db
    .select({ requestHash: idempotencyKeys.requestHash, jobId: idempotencyKeys.jobId })
    .from(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.operatorId, operatorId),
        eq(idempotencyKeys.key, idempotency.key),
        sql`${idempotencyKeys.createdAt} > now() - ${idempotency.ttlMs} * interval '1 millisecond'`,
      ),
    )
    .limit(1);
  if (!record) return undefined;
  if (record.requestHash !== idempotency.requestHash) return { kind: 'mismatch' };
  const job = await getJob(db, operatorId, record.jobId);
  return job ? { kind: 'replayed', job } : undefined;
}
