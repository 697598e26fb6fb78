import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Database } from '../../src/db/client.ts';
import * as schema from '../../src/db/tables.ts';
import { READY_FOR_REMOVAL } from '../../src/domain/operations.ts';
import { runJob } from '../../src/jobs/run.ts';
import type { BenchContext } from '../context.ts';
import { type Measured, type Method, measureThroughput } from '../throughput.ts';

export interface BoundsResult {
  chunkSize: number;
  variants: { label: string; measured: Measured }[];
}

/**
 * Diagnosis, not a product setting: the same runJob with the commit's WAL flush switched off
 * (synchronous_commit = off) and with reference checks skipped (session_replication_role =
 * replica), so the table shows how much of a job's time each of them is.
 */
export async function benchBounds(ctx: BenchContext): Promise<BoundsResult> {
  const { sizes } = ctx;
  const chunkSize = ctx.config.worker.chunkSize;
  const clients = {
    normal: ctx.db.db,
    noFlush: connect(ctx.db.url, { synchronous_commit: 'off' }),
    noFlushNoFk: connect(ctx.db.url, {
      synchronous_commit: 'off',
      session_replication_role: 'replica',
    }),
  };
  const variant = (label: string, db: Database, size: number): Method => ({
    name: label,
    jobsPerRun: sizes.jobsPerRun,
    jobSize: sizes.jobSize,
    concurrency: 1,
    jobState: 'queued',
    transition: (jobId) =>
      runJob(db, { jobId: jobId, operation: READY_FOR_REMOVAL }, { chunkSize: size }),
  });
  const methods = [
    variant(`chunks of ${chunkSize}`, clients.normal, chunkSize),
    variant(`chunks of ${chunkSize}, no commit flush`, clients.noFlush.db, chunkSize),
    variant('one chunk', clients.normal, sizes.jobSize),
    variant('one chunk, no commit flush', clients.noFlush.db, sizes.jobSize),
    variant(
      'one chunk, no commit flush, no reference checks',
      clients.noFlushNoFk.db,
      sizes.jobSize,
    ),
  ];
  try {
    const measured = await measureThroughput(ctx, methods, sizes.runs, { cpuSplit: true });
    return {
      chunkSize,
      variants: methods.map(({ name }) => {
        const m = measured.get(name);
        if (!m) throw new Error(`${name} not measured`);
        return { label: name, measured: m };
      }),
    };
  } finally {
    await clients.noFlush.close();
    await clients.noFlushNoFk.close();
  }
}

function connect(url: string, settings: Record<string, string>) {
  const sql = postgres(url, {
    max: 2,
    onnotice: () => {},
    // Same application name as the bench's pool: its backends' CPU is counted the same way.
    connection: { application_name: 'oc-numbers-bench', ...settings },
  });
  return { db: drizzle(sql, { schema }), close: () => sql.end({ timeout: 5 }) };
}
