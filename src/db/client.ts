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
  /**
   * Named prepared statements (postgres.js' default). Off behind PgBouncer < 1.21 in
   * transaction mode, where consecutive statements may run on different server connections.
   */
  prepare?: boolean;
}

export function createDb(url: string, options: DbOptions = {}): Db {
  const sql = postgres(url, {
    max: options.poolMax ?? 10,
    onnotice: () => {},
    // Unset: postgres.js' default (true), or `?prepare=false` in the URL.
    ...(options.prepare !== undefined && { prepare: options.prepare }),
    // Only parameters a pooler passes on may go here (PgBouncer refuses others): per-database
    // settings such as the dead-client check are set at migrate time (see migrate.ts).
    connection: { application_name: options.applicationName ?? 'oc-numbers' },
  });
  const db = drizzle(sql, { schema });
  return {
    db,
    sql,
    close: () => sql.end({ timeout: 5 }),
  };
}
