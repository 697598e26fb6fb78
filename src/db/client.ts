import type { PgDatabase } from 'drizzle-orm/pg-core';
import {
  drizzle,
  type PostgresJsDatabase,
  type PostgresJsQueryResultHKT,
  PostgresJsSession,
} from 'drizzle-orm/postgres-js';
import type postgres from 'postgres';
import { createPool, type PoolOptions } from './pool.ts';
import * as schema from './tables.ts';

// One vocabulary for database handles:
// - `Database`: the process's Drizzle handle over a postgres.js pool (`db` everywhere);
// - `Executor`: a `Database` or a transaction on it (`tx`), for code that runs in either;
// - `Sql`: the raw postgres.js client (`db.$client`, or `txSql(tx)` inside a transaction),
//   for the few statements the query builder cannot express well.

export type Sql = postgres.Sql;
export type Database = PostgresJsDatabase<typeof schema> & { $client: Sql };
export type Executor = PgDatabase<PostgresJsQueryResultHKT, typeof schema>;

export type DbOptions = PoolOptions;

export function createDb(url: string, options: DbOptions = {}): Database {
  return drizzle(createPool(url, options), { schema });
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
