import { describe, expect, it } from 'vitest';
import { assertInvariants, waitForJobsEnded } from '../support/invariants.ts';
import { type ServiceProcess, waitUntilReady } from '../support/processes.ts';
import type { Client } from '../support/scenario/http.ts';
import { countRows, waitUntilHeldAt } from '../support/scenario/mid-job.ts';
import { lockNumber } from '../support/scenario/row-lock.ts';
import { ENDPOINT, tenantWithNumbers } from '../support/scenario/tenants.ts';
import { submit } from '../support/topology/flows.ts';
import { onNode } from '../support/topology/redis-nodes.ts';
import { SENTINEL_MASTER_NAME, startSentinelSet } from '../support/topology/redis-sentinel.ts';
import { startFleet, useTopology } from '../support/topology/suite.ts';
import { waitFor } from '../support/wait.ts';

// Redis as a primary, a replica and three sentinels; the service knows only the sentinels
// (REDIS_URL points nowhere). The primary is killed while a job is held mid-way: the
// sentinels promote the replica, every process follows, the job ends, nothing is done twice.

const top = useTopology({
  binaries: ['redis-server', 'redis-sentinel'],
  label: 'scale-sentinel',
  start: startSentinelSet,
  env: (sentinel) => ({
    REDIS_URL: 'redis://127.0.0.1:1',
    REDIS_SENTINELS: sentinel.sentinels,
    REDIS_SENTINEL_NAME: SENTINEL_MASTER_NAME,
    RATE_LIMIT_MAX: '100000',
  }),
  fleet: (world) => startFleet(world, { apis: 1, workers: 2 }),
});

describe.skipIf(top.skipReason)('Redis behind Sentinel', () => {
  it('fails over when the primary dies mid-run: the jobs in flight end, no number is processed twice', {
    timeout: 90_000,
  }, async () => {
    const scenario = top.world;
    const set = top.daemons;
    const api = top.clients[0] as Client;
    const t = await tenantWithNumbers(scenario.db.db, 2000);
    const lock = await lockNumber(scenario.db.url, t.numbers[200] as string);
    const held = await submit(api, t.key, t.numbers.slice(0, 500));
    const others = [
      await submit(api, t.key, t.numbers.slice(500, 1000)),
      await submit(api, t.key, t.numbers.slice(1000, 1500)),
    ];
    await waitUntilHeldAt(scenario, held, 200);
    // Every write so far is on the replica before the primary dies: this is about failover,
    // not replication lag (a write the replica never got is the recovery sweep's case).
    expect(Number(await onNode(set.primaryPort, 'WAIT', 1, 5000))).toBe(1);

    await set.killPrimary();
    const killedAt = Date.now();
    await waitFor('the sentinels to promote the replica', async () =>
      (await set.primaryNow()) === set.replicaPort ? true : undefined,
    );
    const failoverMs = Date.now() - killedAt;
    await lock.release();
    await waitForJobsEnded(scenario.db.sql, [held, ...others], 45_000);

    // New work flows through the promoted primary.
    await waitUntilReady(top.apis[0] as ServiceProcess);
    const after = await api.request('POST', ENDPOINT, {
      key: t.key,
      body: { telephoneNumbers: t.numbers.slice(1500) },
    });
    expect(after.status, after.text).toBe(200);
    const recoveredMs = Date.now() - killedAt;

    const rows = await scenario.db.sql<{ state: string; n: number }[]>`
      select state, processed_count as n from jobs order by created_at`;
    expect(rows).toEqual(Array.from({ length: 4 }, () => ({ state: 'completed', n: 500 })));
    expect(await countRows(scenario, 'moved', t.operator.id)).toBe(2000);
    expect(await countRows(scenario, 'history', t.operator.id)).toBe(2000);
    await assertInvariants(scenario.db.sql);
    console.info(
      `[figure] sentinel failover: replica promoted ${failoverMs} ms after the primary died; a 500-number request answered 200 ${recoveredMs} ms after`,
    );
  });
});
