import postgres from 'postgres';

// The postgres.js pool every process uses, with its settings; Drizzle wraps it (client.ts).
// A command that needs only SQL (the inventory import) opens it alone: Drizzle's modules take
// about 250 MB of heap to load.

export interface PoolOptions {
  poolMax?: number;
  /** Shown in pg_stat_activity, so operators (and fault tests) can tell connections apart. */
  applicationName?: string;
  /**
   * Named prepared statements (postgres.js' default). Off behind PgBouncer < 1.21 in
   * transaction mode, where consecutive statements may run on different server connections.
   */
  prepare?: boolean;
  /** How long a query waits for a connection to Postgres (default 5 s). */
  connectTimeoutS?: number;
}

// How long one connection attempt may take (TCP connect and startup) before it fails. It
// matters when Postgres' host does not answer at all; a stopped or starting server refuses or
// answers at once.
const CONNECT_TIMEOUT_S = 5;

/**
 * How long a pool connection waits before it reconnects after its last attempt failed, in
 * seconds. postgres.js counts failed attempts across the pool and waits
 * `(0.5–1) × min(3^failures / 100, 20)` s: after half a dozen refusals during an outage every
 * connection waited 10–20 s before trying again, and so did the request queued on it, although
 * a refusal takes a millisecond. The same curve capped at 0.5 s answers a request within about
 * a second while Postgres is down (a 503) and reconnects within half a second once it is back.
 * A healthy database never sees it: it applies only after a failed connection.
 */
function reconnectBackoffS(failures: number): number {
  return (0.5 + Math.random() / 2) * Math.min(3 ** failures / 100, 0.5);
}

export function createPool(url: string, options: PoolOptions = {}): postgres.Sql {
  const unnamedStatements = options.prepare === false || /[?&]prepare=false(&|$)/.test(url);
  const sql = postgres(url, {
    max: options.poolMax ?? 10,
    connect_timeout: options.connectTimeoutS ?? CONNECT_TIMEOUT_S,
    backoff: reconnectBackoffS,
    onnotice: () => {},
    // No reading of the database's array and domain types: the schema has no domains, and its
    // enum arrays are only parameters, which go as array literals without it. The read would
    // happen the first time a query meets such a type, on a second connection while the first
    // waits; behind PgBouncer in transaction mode, with every server connection held by
    // transactions waiting for it, it never got one (a hang). `eager_types` (the read at pool
    // start) left requests hanging here too.
    fetch_types: false,
    // Unset: postgres.js' default (true), or `?prepare=false` in the URL.
    ...(options.prepare !== undefined && { prepare: options.prepare }),
    // Without named statements (behind PgBouncer before 1.21), one statement at a time on a
    // shared connection: statements pipelined there outside a transaction hung behind
    // PgBouncer 1.18 (20 INSERTs at once on a pool of 2 never answered). A transaction's own
    // statements still pipeline on its connection.
    ...(unnamedStatements && { max_pipeline: 1 }),
    // Only parameters a pooler passes on may go here (PgBouncer refuses others): per-database
    // settings such as the dead-client check are set at migrate time (see migrate.ts).
    connection: { application_name: options.applicationName ?? 'oc-numbers' },
  });
  return sql;
}
