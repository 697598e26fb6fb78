import type { JobsOptions } from 'bullmq';
import { and, asc, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { jobs } from '../db/tables.ts';
import type { Logger } from '../logger.ts';
import { type QueueView, queueViews } from '../queue/job-states.ts';
import type { OperationQueue } from '../queue/operation-queue.ts';
import type { RedisClient } from '../queue/redis.ts';
import { requeueTelemetry } from '../telemetry/requeue-span.ts';
import { failJob } from './job-rows.ts';

export interface RecoveryDeps {
  db: Database;
  queue: OperationQueue;
  /** The queue's Redis connection: each page is checked against BullMQ in one round trip. */
  redis: RedisClient;
  jobOptions: JobsOptions;
  logger: Logger;
  /** Younger jobs are left alone: the API may be between its commit and its enqueue. */
  minAgeMs: number;
  batchSize?: number;
}

type UnfinishedJob = Awaited<ReturnType<typeof unfinishedJobsPage>>[number];

/**
 * Reconciles Postgres (the record) with BullMQ (the carrier) for jobs that have not ended:
 * - no BullMQ job (Redis lost its data, or the API died between commit and enqueue) → add it
 *   again under the same id; a concurrent add of the same id by another worker is a no-op;
 * - a BullMQ job completed while Postgres has it unfinished (its final commit was lost) → run it
 *   again from the counters Postgres kept;
 * - a BullMQ job failed without the worker recording it (stalled too often) → mark it failed.
 * Safe to run from every worker process at once. A page costs one Redis round trip to check
 * and one to re-add, whatever its size; only the rare finished-in-BullMQ jobs take one each.
 */
export async function recoverOrphanedJobs(deps: RecoveryDeps) {
  const pageSize = deps.batchSize ?? 500;
  const requeued: string[] = [];
  const failed: string[] = [];
  // Keyset pages over (created_at, id) until none is left: after Redis lost its data every
  // unfinished job may be orphaned, and one page of the oldest would leave the rest for later
  // sweeps, one page per interval.
  let after: PageCursor | undefined;
  for (;;) {
    const rows = await unfinishedJobsPage(deps, pageSize, after);
    const views = await queueViews(
      deps.redis,
      deps.queue,
      rows.map((row) => row.id),
    );
    const inView = (view: QueueView) => rows.filter((_, i) => views[i] === view);
    requeued.push(...(await addAgain(deps, inView('unknown'))));
    requeued.push(...(await runAgain(deps, inView('completed'))));
    failed.push(...(await recordFailed(deps, inView('failed'))));
    const last = rows.at(-1);
    if (!last || rows.length < pageSize) return { requeued, failed };
    after = { createdAt: last.createdAt, id: last.id };
  }
}

/** Jobs BullMQ does not know, added again in one round trip under their own ids. */
async function addAgain(deps: RecoveryDeps, rows: UnfinishedJob[]): Promise<string[]> {
  if (rows.length === 0) return [];
  await deps.queue.addBulk(
    rows.map((row) => ({
      name: row.operation,
      data: { jobId: row.id, operatorId: row.operatorId },
      // With tracing on, each carries a span linked to its request's trace (requeue-span.ts).
      opts: { ...deps.jobOptions, jobId: row.id, ...requeueTelemetry(row) },
    })),
  );
  for (const row of rows) {
    deps.logger.warn({ jobId: row.id }, 'recovery: re-enqueued a job BullMQ did not know');
  }
  return rows.map((row) => row.id);
}

/**
 * BullMQ saw these jobs finish, yet Postgres had them unfinished when the page was read: those
 * it still has so lost the commit that ended them (a Postgres crash, or a failover to a replica
 * that had not received it). Run them again: each resumes at the counters Postgres kept.
 */
async function runAgain(deps: RecoveryDeps, rows: UnfinishedJob[]): Promise<string[]> {
  const lost = await stillUnfinished(
    deps.db,
    rows.map((row) => row.id),
  );
  for (const jobId of lost) {
    await (await deps.queue.getJob(jobId))?.retry('completed');
    deps.logger.warn({ jobId }, 'recovery: re-ran a job BullMQ completed but Postgres had not');
  }
  return lost;
}

/** Jobs BullMQ failed without the worker recording it: recorded failed with BullMQ's reason. */
async function recordFailed(deps: RecoveryDeps, rows: UnfinishedJob[]): Promise<string[]> {
  for (const row of rows) {
    const job = await deps.queue.getJob(row.id);
    await failJob(deps.db, row.id, job?.failedReason || 'failed in the queue');
    deps.logger.warn({ jobId: row.id }, 'recovery: marked failed a job BullMQ had failed');
  }
  return rows.map((row) => row.id);
}

/** `created_at` as Postgres prints it: microseconds, which a JS Date would cut to milliseconds. */
interface PageCursor {
  createdAt: string;
  id: string;
}

/** Unfinished jobs older than `minAgeMs`, oldest first, after `after` in (created_at, id) order. */
function unfinishedJobsPage(
  deps: Pick<RecoveryDeps, 'db' | 'minAgeMs'>,
  pageSize: number,
  after: PageCursor | undefined,
) {
  return deps.db
    .select({
      id: jobs.id,
      operatorId: jobs.operatorId,
      operation: jobs.operation,
      traceId: jobs.traceId,
      traceSpanId: jobs.traceSpanId,
      createdAt: sql<string>`${jobs.createdAt}::text`,
    })
    .from(jobs)
    .where(
      and(
        inArray(jobs.state, ['queued', 'active']),
        lt(jobs.createdAt, sql`now() - make_interval(secs => ${deps.minAgeMs / 1000})`),
        after
          ? sql`(${jobs.createdAt}, ${jobs.id}) > (${after.createdAt}::timestamptz, ${after.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(asc(jobs.createdAt), asc(jobs.id))
    .limit(pageSize);
}

/** Those of `jobIds` Postgres still has unfinished now, in one query. */
async function stillUnfinished(db: Database, jobIds: string[]): Promise<string[]> {
  if (jobIds.length === 0) return [];
  const rows = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(inArray(jobs.id, jobIds), inArray(jobs.state, ['queued', 'active'])));
  return rows.map((row) => row.id);
}
