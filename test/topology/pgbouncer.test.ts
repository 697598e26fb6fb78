import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { assertInvariants } from '../support/invariants.ts';
import type { Client } from '../support/scenario/http.ts';
import type { Scenario } from '../support/scenario/scenario.ts';
import { tenantWithNumbers } from '../support/scenario/tenants.ts';
import { runMainFlows, spendBudgetAcrossApis } from '../support/topology/flows.ts';
import { type PgBouncer, startPgBouncer } from '../support/topology/pgbouncer.ts';
import { startFleet, useTopology } from '../support/topology/suite.ts';

// Postgres behind PgBouncer 1.18 in transaction mode, between every service process and
// Postgres: no named prepared statements (DATABASE_PREPARE=false), no migration at start (a
// separate step on the primary), and the per-database settings reach the pooled sessions.

const top = useTopology({
  binaries: ['pgbouncer'],
  label: 'scale-pgb',
  start: startPgBouncer,
  env: () => ({ RATE_LIMIT_MAX: '8', RATE_LIMIT_WINDOW_MS: '1000000000' }),
  fleet: (world, bouncer) =>
    startFleet(
      world,
      { apis: 2, workers: 1 },
      {
        DATABASE_URL: pooledUrl(bouncer, world),
        DATABASE_PREPARE: 'false',
        MIGRATE_ON_START: 'false',
      },
    ),
});

/** The scenario's database through the pooler. */
function pooledUrl(bouncer: PgBouncer, world: Scenario): string {
  const pooled = new URL(bouncer.url);
  pooled.pathname = `/${world.db.name}`;
  return pooled.toString();
}

describe.skipIf(top.skipReason)(
  'PgBouncer in transaction mode between every process and Postgres',
  () => {
    it('serves the main flows, and the service sessions are the pooler’s', async () => {
      const scenario = top.world;
      const t = await tenantWithNumbers(scenario.db.db, 520);
      await runMainFlows(scenario, top.clients as [Client, Client], t);
      await spendBudgetAcrossApis(top.clients as [Client, Client], t, 500, 8);
      await assertInvariants(scenario.db.sql);

      // The API and worker reached this database only through the pooler.
      const pools = await top.daemons.show('POOLS');
      const pool = pools.find((p) => p.database === scenario.db.name);
      expect(pool, JSON.stringify(pools)).toBeDefined();
      const clients = await top.daemons.show('CLIENTS');
      const names = new Set(
        clients.filter((c) => c.database === scenario.db.name).map((c) => c.application_name),
      );
      expect([...names].sort()).toEqual(
        expect.arrayContaining(['oc-numbers-api', 'oc-numbers-worker']),
      );
    });

    it('gives pooled sessions the dead-client check stored on the database', async () => {
      const pooled = pooledUrl(top.daemons, top.world);
      const sql = postgres(pooled, { max: 1, prepare: false, onnotice: () => {} });
      try {
        const [row] = await sql<{ client_connection_check_interval: string }[]>`
        show client_connection_check_interval`;
        expect(row?.client_connection_check_interval).toBe('1s');
      } finally {
        await sql.end({ timeout: 5 });
      }
    });
  },
);
