import { afterAll, beforeAll } from 'vitest';
import { type ServiceProcess, startService } from '../processes.ts';
import { assertProblemAnswers, type Client, createClient } from '../scenario/http.ts';
import { createScenario, type Scenario } from '../scenario/scenario.ts';
import { missingBinaries } from './daemons.ts';

// What every topology file does around its tests: skip (and say why) where the servers it
// needs are not installed; otherwise start them, a scenario wired to them and the service's
// processes; afterwards check every error answer was a problem document and stop it all.

export interface TopologySpec<D> {
  /** The server binaries the topology needs; without them the file is skipped. */
  binaries: string[];
  label: string;
  start(): Promise<D>;
  /** The scenario's env (every process gets it): where the servers are. */
  env(daemons: D): Record<string, string>;
  /** API and worker processes (`startFleet`); the APIs are returned, in order. */
  fleet(world: Scenario, daemons: D): Promise<ServiceProcess[]>;
}

export interface Topology<D> {
  /** Why the file is skipped, if it is. */
  skipReason: string | undefined;
  daemons: D;
  world: Scenario;
  /** The API processes, and a recording client for each, in the same order. */
  apis: ServiceProcess[];
  clients: Client[];
}

export function useTopology<D extends { stop(): Promise<void> }>(
  spec: TopologySpec<D>,
): Topology<D> {
  const skipReason = missingBinaries(...spec.binaries);
  if (skipReason) console.warn(`topology test skipped: ${skipReason}`);
  // Filled in before the tests run; the tests are skipped when it is not.
  const topology = { skipReason, apis: [], clients: [] } as unknown as Topology<D>;
  beforeAll(async () => {
    if (skipReason) return;
    topology.daemons = await spec.start();
    topology.world = await createScenario(spec.label, spec.env(topology.daemons));
    topology.apis = await spec.fleet(topology.world, topology.daemons);
    topology.clients = topology.apis.map((api) => createClient(api.url as string));
  }, 90_000);
  afterAll(async () => {
    try {
      assertProblemAnswers(topology.clients.flatMap((client) => client.answers));
    } finally {
      await topology.world?.close();
      await topology.daemons?.stop();
    }
  });
  return topology;
}

/**
 * Starts `apis` API and `workers` worker processes of `world` side by side, each allowed
 * `startService`'s 90 s: on a loaded 2-core machine four Node processes starting at once can
 * take over 30 s.
 */
export async function startFleet(
  world: Scenario,
  counts: { apis: number; workers: number },
  env: Record<string, string> = {},
): Promise<ServiceProcess[]> {
  const spawnOne = async (kind: 'api' | 'worker') => {
    const service = await startService(kind, { ...world.env, ...env });
    world.processes.push(service);
    return service;
  };
  const apis = Array.from({ length: counts.apis }, () => spawnOne('api'));
  const workers = Array.from({ length: counts.workers }, () => spawnOne('worker'));
  await Promise.all(workers);
  return Promise.all(apis);
}
