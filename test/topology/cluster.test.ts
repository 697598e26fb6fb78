import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../reliability/support/http.ts';
import { waitUntilHeldAt } from '../reliability/support/mid-job.ts';
import { lockNumber } from '../reliability/support/row-lock.ts';
import { createScenario, type Scenario } from '../reliability/support/scenario.ts';
import { ENDPOINT, tenantWithNumbers } from '../reliability/support/tenants.ts';
import { assertInvariants, waitForJobsEnded } from '../support/invariants.ts';
import { type ServiceProcess, waitUntilReady } from '../support/processes.ts';
import { missingBinaries } from '../support/topology/daemons.ts';
import { type RedisClusterSet, startRedisCluster } from '../support/topology/redis-cluster.ts';
import { onNode } from '../support/topology/redis-nodes.ts';
import {
  checkAnswersAndClose,
  runMainFlows,
  spendBudgetAcrossApis,
  startTwoApis,
  submit,
} from './flows.ts';

// Redis Cluster, three primaries and three replicas; the service knows only the nodes and
// uses a hash-tagged prefix, so the queue's keys and the rate limiter's all live in one slot.
// Two APIs and a worker pass the main flows; then the primary serving that slot is killed
// while a job is held mid-way, a replica takes over, and the service carries on.

const MAX = 10;
let cluster: RedisClusterSet | undefined;
let world: Scenario | undefined;
let apis: [Client, Client] | undefined;
let apiProcesses: ServiceProcess[] = [];
const prefix = `{ocn-cl-${randomBytes(4).toString('hex')}}`;

const skipReason = missingBinaries('redis-server', 'redis-cli');
if (skipReason) console.warn(`topology test skipped: ${skipReason}`);

beforeAll(async () => {
  if (skipReason) return;
  cluster = await startRedisCluster();
  world = await createScenario('scale-cluster', {
    REDIS_URL: 'redis://127.0.0.1:1',
    REDIS_CLUSTER_NODES: cluster.nodes,
    QUEUE_PREFIX: prefix,
    RATE_LIMIT_MAX: String(MAX),
    RATE_LIMIT_WINDOW_MS: '1000000000',
  });
  const fleet = await startTwoApis(world);
  apiProcesses = fleet.processes;
  apis = fleet.clients;
}, 90_000);

afterAll(() => checkAnswersAndClose(apis ?? [], world, cluster));

describe.skipIf(skipReason)('Redis Cluster (3 primaries, 3 replicas)', () => {
  it('passes the main flows over two APIs, with one rate budget between them', {
    timeout: 60_000,
  }, async () => {
    const scenario = world as Scenario;
    const t = await tenantWithNumbers(scenario.db.db, 520);
    await runMainFlows(scenario, apis as [Client, Client], t);
    await spendBudgetAcrossApis(apis as [Client, Client], t, 500, MAX);
    await waitForJobsEnded(scenario.db.sql);
    await assertInvariants(scenario.db.sql);
  });

  it('recovers when the primary serving the queue dies mid-job', { timeout: 90_000 }, async () => {
    const scenario = world as Scenario;
    const set = cluster as RedisClusterSet;
    const [a, b] = apis as [Client, Client];
    const t = await tenantWithNumbers(scenario.db.db, 1000);
    // The first test spent the budget: start this one with a fresh count.
    const owner = await set.primaryFor(prefix);
    const counters = (await onNode(owner, 'KEYS', `${prefix}:ratelimit:*`)) as string[];
    if (counters.length > 0) await onNode(owner, 'DEL', ...(counters as [string]));
    const lock = await lockNumber(scenario.db.url, t.numbers[200] as string);
    const held = await submit(a, t.key, t.numbers.slice(0, 500));
    await waitUntilHeldAt(scenario, held, 200);
    const victim = await set.primaryFor(prefix);
    await set.kill(victim);
    const killedAt = Date.now();
    const promoted = await set.untilFailedOver(prefix, victim);
    const failoverMs = Date.now() - killedAt;
    await lock.release();
    await waitForJobsEnded(scenario.db.sql, [held], 45_000);
    for (const api of apiProcesses) await waitUntilReady(api);
    const after = await b.request('POST', ENDPOINT, {
      key: t.key,
      body: { telephoneNumbers: t.numbers.slice(500) },
    });
    expect(after.status, after.text).toBe(200);
    const recoveredMs = Date.now() - killedAt;
    const [row] = await scenario.db.sql<{ state: string; n: number }[]>`
      select state, processed_count as n from jobs where id = ${held}`;
    expect(row).toEqual({ state: 'completed', n: 500 });
    await assertInvariants(scenario.db.sql);
    console.info(
      `[figure] cluster failover: ${victim} → ${promoted} in ${failoverMs} ms; a 500-number request answered 200 ${recoveredMs} ms after the kill`,
    );
  });
});
