import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assertInvariants, waitForJobsEnded } from '../support/invariants.ts';
import { waitUntilReady } from '../support/processes.ts';
import type { Client } from '../support/scenario/http.ts';
import { waitUntilHeldAt } from '../support/scenario/mid-job.ts';
import { lockNumber } from '../support/scenario/row-lock.ts';
import { ENDPOINT, tenantWithNumbers } from '../support/scenario/tenants.ts';
import { runMainFlows, spendBudgetAcrossApis, submit } from '../support/topology/flows.ts';
import { startRedisCluster } from '../support/topology/redis-cluster.ts';
import { onNode } from '../support/topology/redis-nodes.ts';
import { startFleet, useTopology } from '../support/topology/suite.ts';

// Redis Cluster, three primaries and three replicas; the service knows only the nodes and
// uses a hash-tagged prefix, so the queue's keys and the rate limiter's all live in one slot.
// Two APIs and a worker pass the main flows; then the primary serving that slot is killed
// while a job is held mid-way, a replica takes over, and the service carries on.

const MAX = 10;
const prefix = `{ocn-cl-${randomBytes(4).toString('hex')}}`;
const top = useTopology({
  binaries: ['redis-server', 'redis-cli'],
  label: 'scale-cluster',
  start: startRedisCluster,
  env: (cluster) => ({
    REDIS_URL: 'redis://127.0.0.1:1',
    REDIS_CLUSTER_NODES: cluster.nodes,
    QUEUE_PREFIX: prefix,
    RATE_LIMIT_MAX: String(MAX),
    RATE_LIMIT_WINDOW_MS: '1000000000',
  }),
  fleet: (world) => startFleet(world, { apis: 2, workers: 1 }),
});

describe.skipIf(top.skipReason)('Redis Cluster (3 primaries, 3 replicas)', () => {
  it('passes the main flows over two APIs, with one rate budget between them', {
    timeout: 60_000,
  }, async () => {
    const scenario = top.world;
    const t = await tenantWithNumbers(scenario.db.db, 520);
    await runMainFlows(scenario, top.clients as [Client, Client], t);
    await spendBudgetAcrossApis(top.clients as [Client, Client], t, 500, MAX);
    await waitForJobsEnded(scenario.db.sql);
    await assertInvariants(scenario.db.sql);
  });

  it('recovers when the primary serving the queue dies mid-job', { timeout: 90_000 }, async () => {
    const scenario = top.world;
    const set = top.daemons;
    const [a, b] = top.clients as [Client, Client];
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
    for (const api of top.apis) await waitUntilReady(api);
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
