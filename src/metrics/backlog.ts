import { Gauge, type Registry } from 'prom-client';
import type { Sql } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { once, scrapeFailed } from './registry.ts';

export interface BacklogMetricsDeps {
  sql: Sql;
  logger: Pick<Logger, 'warn'>;
  /** SYNC_WAIT_MS: a job waiting longer than this turns synchronous requests into 202s. */
  syncWaitMs: number;
}

/**
 * How long work waits before a worker starts it: the age of the oldest job still `queued` in
 * Postgres (the record, whichever queue state BullMQ holds it in), read at scrape time through
 * the partial index on unfinished jobs; and the sync wait it is measured against, so an alert
 * compares the two without repeating the configuration.
 */
export function registerBacklogMetrics(registry: Registry, deps: BacklogMetricsDeps): void {
  once(
    registry,
    'ocn_oldest_queued_job_seconds',
    () =>
      new Gauge({
        name: 'ocn_oldest_queued_job_seconds',
        help: 'Age of the oldest job not yet started (state queued in Postgres); 0 when none waits.',
        registers: [registry],
        async collect() {
          this.reset();
          const age = await oldestQueuedAgeSeconds(deps.sql).catch((err: unknown) =>
            scrapeFailed(deps.logger, 'ocn_oldest_queued_job_seconds', err),
          );
          if (age !== undefined) this.set(age);
        },
      }),
  );
  once(registry, 'ocn_sync_wait_seconds', () => {
    const gauge = new Gauge({
      name: 'ocn_sync_wait_seconds',
      help: 'SYNC_WAIT_MS in seconds: how long a synchronous request waits for its job.',
      registers: [registry],
    });
    gauge.set(deps.syncWaitMs / 1000);
    return gauge;
  });
}

async function oldestQueuedAgeSeconds(sql: Sql): Promise<number> {
  const rows = await sql.begin(async (tx) => {
    await tx`set local statement_timeout = 2000`;
    return tx<{ age: number | null }[]>`
      select extract(epoch from now() - min(created_at))::float8 as age
      from jobs where state = 'queued'`;
  });
  return Math.max(0, rows[0]?.age ?? 0);
}
