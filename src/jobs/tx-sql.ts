import { PostgresJsSession } from 'drizzle-orm/postgres-js';
import type { Sql } from '../db/client.ts';
import type { Executor } from './ledger.ts';

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
