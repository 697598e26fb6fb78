import type { Queue } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';
import type { Sql } from '../db/client.ts';
import { JOB_STATES } from '../domain/statuses.ts';
import type { Logger } from '../logger.ts';
import { once, scrapeFailed } from './registry.ts';

export interface StateMetricsDeps {
  sql: Sql;
  queue: Pick<Queue, 'getJobCounts'>;
  logger: Pick<Logger, 'warn'>;
}

const QUEUE_STATES = [
  'waiting',
  'prioritized',
  'delayed',
  'active',
  'waiting-children',
  'failed',
] as const;

interface JobRow {
  state: string;
  jobs: number;
  processed: number;
  succeeded: number;
}

/**
 * Gauges read at scrape time from the shared stores, so they are right whichever process ran
 * the work: jobs by state and numbers by result from Postgres (the record), queue depth from
 * BullMQ. Cost: one `GROUP BY state` over `jobs` per scrape (a scan of the jobs table, which
 * grows one row per request; job_items, 500x larger, is never scanned), bounded by a 2 s
 * statement timeout, plus one Redis round trip. A failed read leaves the gauge empty for that
 * scrape and logs a warning rather than failing the whole scrape.
 */
export function registerStateMetrics(registry: Registry, deps: StateMetricsDeps): void {
  const readJobs = sharedPerScrape(async () => {
    const rows = await deps.sql.begin(async (tx) => {
      await tx`set local statement_timeout = 2000`;
      return tx<JobRow[]>`
        select state, count(*)::int as jobs,
               coalesce(sum(processed_count), 0)::float8 as processed,
               coalesce(sum(success_count), 0)::float8 as succeeded
        from jobs group by state`;
    });
    return rows;
  });

  once(
    registry,
    'ocn_jobs',
    () =>
      new Gauge({
        name: 'ocn_jobs',
        help: 'Jobs in Postgres by state (read at scrape time).',
        labelNames: ['state'],
        registers: [registry],
        async collect() {
          this.reset();
          const rows = await readJobs().catch((err) => scrapeFailed(deps.logger, 'ocn_jobs', err));
          if (!rows) return;
          for (const state of JOB_STATES) this.set({ state }, 0);
          for (const row of rows) this.set({ state: row.state }, row.jobs);
        },
      }),
  );

  once(
    registry,
    'ocn_job_numbers',
    () =>
      new Gauge({
        name: 'ocn_job_numbers',
        help: 'Numbers processed by all jobs, by result (jobs table counters, read at scrape time).',
        labelNames: ['result'],
        registers: [registry],
        async collect() {
          this.reset();
          const rows = await readJobs().catch((err) =>
            scrapeFailed(deps.logger, 'ocn_job_numbers', err),
          );
          if (!rows) return;
          const processed = rows.reduce((n, r) => n + Number(r.processed), 0);
          const succeeded = rows.reduce((n, r) => n + Number(r.succeeded), 0);
          this.set({ result: 'succeeded' }, succeeded);
          this.set({ result: 'failed' }, processed - succeeded);
        },
      }),
  );

  once(
    registry,
    'ocn_queue_jobs',
    () =>
      new Gauge({
        name: 'ocn_queue_jobs',
        help: 'BullMQ queue depth by state (read from Redis at scrape time).',
        labelNames: ['state'],
        registers: [registry],
        async collect() {
          this.reset();
          const counts = await deps.queue
            .getJobCounts(...QUEUE_STATES)
            .catch((err) => scrapeFailed(deps.logger, 'ocn_queue_jobs', err));
          if (!counts) return;
          for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
        },
      }),
  );
}

/** Both Postgres gauges of one scrape share a single query. */
function sharedPerScrape<T>(read: () => Promise<T>, ttlMs = 1000): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at > ttlMs) {
      const value = read();
      cached = { at: now, value };
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
    }
    return cached.value;
  };
}
