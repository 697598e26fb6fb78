import type { Sql } from '../src/db/client.ts';
import { processCpuSeconds } from './processes.ts';

/**
 * CPU used by the Postgres backends of the bench database, read from /proc (possible because
 * Postgres runs on this machine): either the service's connections or the bench's own
 * (application_name 'oc-numbers-bench'). Client backends only: autovacuum working on the
 * freshly seeded tables, the WAL writer, the checkpointer and other shared background processes
 * are not counted.
 */
export class PostgresCpu {
  readonly #sql: Sql;
  readonly #whose: 'service' | 'bench';
  #start = new Map<number, number>();

  constructor(sql: Sql, whose: 'service' | 'bench') {
    this.#sql = sql;
    this.#whose = whose;
  }

  async start(): Promise<void> {
    this.#start = await this.#sample();
  }

  /** CPU seconds since `start()`, or undefined when /proc cannot be read. */
  async elapsed(): Promise<number | undefined> {
    const end = await this.#sample().catch(() => undefined);
    if (!end || end.size === 0) return undefined;
    let total = 0;
    for (const [pid, seconds] of end) total += seconds - (this.#start.get(pid) ?? 0);
    return total;
  }

  async #sample(): Promise<Map<number, number>> {
    const bench = this.#whose === 'bench';
    const rows = await this.#sql<{ pid: number }[]>`
      select pid from pg_stat_activity
      where datname = current_database() and backend_type = 'client backend'
        and (application_name = 'oc-numbers-bench') = ${bench}`;
    const out = new Map<number, number>();
    for (const { pid } of rows) {
      const seconds = await processCpuSeconds(pid).catch(() => undefined);
      if (seconds !== undefined) out.set(pid, seconds);
    }
    return out;
  }
}
