import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../reliability/support/http.ts';
import { createScenario, type Scenario } from '../reliability/support/scenario.ts';
import { tenantWithNumbers } from '../reliability/support/tenants.ts';
import { assertInvariants } from '../support/invariants.ts';
import { missingBinaries } from '../support/topology/daemons.ts';
import { type PgBouncer, startPgBouncer } from '../support/topology/pgbouncer.ts';
import {
  checkAnswersAndClose,
  runMainFlows,
  spendBudgetAcrossApis,
  startTwoApis,
} from './flows.ts';

// Postgres behind PgBouncer 1.18 in transaction mode, between every service process and
// Postgres: no named prepared statements (DATABASE_PREPARE=false), no migration at start (a
// separate step on the primary), and the per-database settings reach the pooled sessions.

let bouncer: PgBouncer | undefined;
let world: Scenario | undefined;
let apis: [Client, Client] | undefined;

const skipReason = missingBinaries('pgbouncer');
if (skipReason) console.warn(`topology test skipped: ${skipReason}`);

beforeAll(async () => {
  if (skipReason) return;
  bouncer = await startPgBouncer();
  world = await createScenario('scale-pgb', {
    RATE_LIMIT_MAX: '8',
    RATE_LIMIT_WINDOW_MS: '1000000000',
  });
  const pooled = new URL(bouncer.url);
  pooled.pathname = `/${world.db.name}`;
  const env = {
    DATABASE_URL: pooled.toString(),
    DATABASE_PREPARE: 'false',
    MIGRATE_ON_START: 'false',
  };
  apis = (await startTwoApis(world, env)).clients;
}, 90_000);

afterAll(() => checkAnswersAndClose(apis ?? [], world, bouncer));

describe.skipIf(skipReason)(
  'PgBouncer in transaction mode between every process and Postgres',
  () => {
    it('serves the main flows, and the service sessions are the pooler’s', async () => {
      const scenario = world as Scenario;
      const t = await tenantWithNumbers(scenario.db.db, 520);
      await runMainFlows(scenario, apis as [Client, Client], t);
      await spendBudgetAcrossApis(apis as [Client, Client], t, 500, 8);
      await assertInvariants(scenario.db.sql);

      // The API and worker reached this database only through the pooler.
      const pools = await (bouncer as PgBouncer).show('POOLS');
      const pool = pools.find((p) => p.database === scenario.db.name);
      expect(pool, JSON.stringify(pools)).toBeDefined();
      const clients = await (bouncer as PgBouncer).show('CLIENTS');
      const names = new Set(
        clients.filter((c) => c.database === scenario.db.name).map((c) => c.application_name),
      );
      expect([...names].sort()).toEqual(
        expect.arrayContaining(['oc-numbers-api', 'oc-numbers-worker']),
      );
    });

    it('gives pooled sessions the dead-client check stored on the database', async () => {
      const pooled = new URL((bouncer as PgBouncer).url);
      pooled.pathname = `/${(world as Scenario).db.name}`;
      const sql = postgres(pooled.toString(), { max: 1, prepare: false, onnotice: () => {} });
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
