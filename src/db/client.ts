import type { PgDatabase } from 'drizzle-orm/pg-core';
import {
  drizzle,
  type PostgresJsDatabase,
  type PostgresJsQueryResultHKT,
  PostgresJsSession,
} from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.ts';

// One vocabulary for database handles:
// - `Database`: the process's Drizzle handle over a postgres.js pool (`db` everywhere);
// - `Executor`: a `Database` or a transaction on it (`tx`), for code that runs in either;
// - `Sql`: the raw postgres.js client (`db.$client`, or `txSql(tx)` inside a transaction),
//   for the few statements the query builder cannot express well.

export type Sql = postgres.Sql;
export type Database = PostgresJsDatabase<typeof schema> & { $client: Sql };
export type Executor = PgDatabase<PostgresJsQueryResultHKT, typeof schema>;

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

export function createDb(url: string, options: DbOptions = {}): Database {
  const sql = postgres(url, {
    max: options.poolMax ?? 10,
    onnotice: () => {},
    connection: {
      application_name: options.applicationName ?? 'oc-numbers',
      client_connection_check_interval: CLIENT_CONNECTION_CHECK_INTERVAL,
    },
  });
  return drizzle(sql, { schema });
}

export function closeDb(db: Database): Promise<void> {
  return db.$client.end({ timeout: 5 });
}

/**
 * The postgres.js client of a Drizzle transaction (or database), for the hot path of job
 * processing. Its tagged-template queries are named prepared statements, cached per
 * connection: Drizzle's `execute()` and query builder send unnamed statements, which
 * postgres.js first describes in an extra round trip and Postgres parses and plans every
 * time. Still the same transaction: this is the connection Drizzle's `transaction()` holds.
 */
export function txSql(tx: Executor): Sql {
  const session = tx._.session;
  if (!(session instanceof PostgresJsSession)) throw new Error('expected a postgres.js session');
  return session.client as Sql;
}
