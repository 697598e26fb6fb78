import type { JobsOptions } from 'bullmq';
import { and, asc, inArray, lt, sql } from 'drizzle-orm';
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
 * - a BullMQ job failed without the worker recording it (stalled too often) → mark it failed.
 * Safe to run from every worker process at once.
 */
export async function recoverOrphanedJobs(deps: RecoveryDeps) {
  const { db, queue, logger } = deps;
  const rows = await db
    .select({ id: jobs.id, operatorId: jobs.operatorId, operation: jobs.operation })
    .from(jobs)
    .where(
      and(
        inArray(jobs.state, ['queued', 'active']),
        lt(jobs.createdAt, sql`now() - make_interval(secs => ${deps.minAgeMs / 1000})`),
      ),
    )
    .orderBy(asc(jobs.createdAt))
    .limit(deps.batchSize ?? 500);
  const requeued: string[] = [];
  const failed: string[] = [];
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
    } else if (state === 'failed') {
      const job = await queue.getJob(row.id);
      await failJob(db, row.id, job?.failedReason || 'failed in the queue');
      failed.push(row.id);
      logger.warn({ jobId: row.id }, 'recovery: marked failed a job BullMQ had failed');
    }
  }
  return { requeued, failed };
}
