import type { JobsOptions } from 'bullmq';
import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { jobs } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import type { ActionQueue } from '../queue/action-queue.ts';
import { failJob } from './job-rows.ts';
import { operationOf } from './job-view.ts';

export interface RecoveryDeps {
  db: Database;
  queue: ActionQueue;
  jobOptions: JobsOptions;
  logger: Logger;
  /** Younger jobs are left alone: the API may be between its commit and its enqueue. */
  minAgeMs: number;
  batchSize?: number;
}

/**
 * Reconciles Postgres (the record) with BullMQ (the carrier) for jobs that have not ended:
 * - no BullMQ job (Redis lost its data, or the API died between commit and enqueue) → add it
 *   again under the same id; a concurrent add of the same id by another worker is a no-op;
 * - a BullMQ job completed while Postgres has it unfinished (its final commit was lost) → run it
 *   again from the counters Postgres kept;
 * - a BullMQ job failed without the worker recording it (stalled too often) → mark it failed.
 * Safe to run from every worker process at once.
 */
export async function recoverOrphanedJobs(deps: RecoveryDeps) {
  const { db, queue, logger } = deps;
  const pageSize = deps.batchSize ?? 500;
  const requeued: string[] = [];
  const failed: string[] = [];
  // Keyset pages over (created_at, id) until none is left: after Redis lost its data every
  // unfinished job may be orphaned, and one page of the oldest would leave the rest for later
  // sweeps, one page per interval.
  let after: PageCursor | undefined;
  for (;;) {
    const rows = await unfinishedJobsPage(deps, pageSize, after);
    for (const row of rows) {
      const state = await queue.getJobState(row.id);
      if (state === 'unknown') {
        await queue.add(
          operationOf(row),
          { jobId: row.id, operatorId: row.operatorId },
          { ...deps.jobOptions, jobId: row.id },
        );
        requeued.push(row.id);
        logger.warn({ jobId: row.id }, 'recovery: re-enqueued a job BullMQ did not know');
      } else if (state === 'completed' && (await stillUnfinished(db, row.id))) {
        // BullMQ saw the job finish but Postgres has it unfinished: the commit that ended it was
        // lost (a Postgres crash or failover to a replica that had not received it). Run it again:
        // it resumes at the counters Postgres kept.
        await (await queue.getJob(row.id))?.retry('completed');
        requeued.push(row.id);
        logger.warn(
          { jobId: row.id },
          'recovery: re-ran a job BullMQ completed but Postgres had not',
        );
      } else if (state === 'failed') {
        const job = await queue.getJob(row.id);
        await failJob(db, row.id, job?.failedReason || 'failed in the queue');
        failed.push(row.id);
        logger.warn({ jobId: row.id }, 'recovery: marked failed a job BullMQ had failed');
      }
    }
    const last = rows.at(-1);
    if (!last || rows.length < pageSize) return { requeued, failed };
    after = { createdAt: last.createdAt, id: last.id };
  }
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

async function stillUnfinished(db: Database, jobId: string): Promise<boolean> {
  const [row] = await db
    .select({ state: jobs.state })
    .from(jobs)
    .where(and(eq(jobs.id, jobId), inArray(jobs.state, ['queued', 'active'])));
  return row !== undefined;
}
