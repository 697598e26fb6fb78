import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.ts';

export type Database = PostgresJsDatabase<typeof schema>;
export type Sql = postgres.Sql;

export interface Db {
  readonly db: Database;
  /** The raw postgres.js client, for the few statements the query builder cannot express well. */
  readonly sql: Sql;
  close(): Promise<void>;
}

export interface DbOptions {
  poolMax?: number;
  /** Shown in pg_stat_activity, so operators (and fault tests) can tell connections apart. */
  applicationName?: string;
}

// Postgres notices a vanished client only when it next talks to it, so a worker killed while
// its chunk waits on a row lock would keep its backend, and the job-row lock, until that wait
// ended (blocking a cancel meanwhile). With this check (PostgreSQL 14+, on Linux, macOS and
// the BSDs) such a backend ends within about a second.
const CLIENT_CONNECTION_CHECK_INTERVAL = '1s';

export function createDb(url: string, options: DbOptions = {}): Db {
  const sql = postgres(url, {
    max: options.poolMax ?? 10,
    onnotice: () => {},
    connection: {
      application_name: options.applicationName ?? 'oc-numbers',
      client_connection_check_interval: CLIENT_CONNECTION_CHECK_INTERVAL,
    },
  });
  const db = drizzle(sql, { schema });
  return {
    db,
    sql,
    close: () => sql.end({ timeout: 5 }),
  };
}
