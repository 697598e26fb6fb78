import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createDaemonSet, type Daemon } from './daemons.ts';
import { freePorts, hostPorts } from './ports.ts';
import { onNode, until, untilAnswers } from './redis-nodes.ts';

// A Redis Cluster of three primaries and three replicas on free ports (each with its own
// cluster-bus port), built with `redis-cli --cluster create`. A node silent for 1 s is failed
// over to its replica.

const run = promisify(execFile);

export interface RedisClusterSet {
  /** REDIS_CLUSTER_NODES for the service. */
  nodes: string;
  ports: number[];
  /** The port of the primary serving `key`'s slot now. */
  primaryFor(key: string): Promise<number>;
  /** SIGKILLs the node at `port` (not restarted). */
  kill(port: number): Promise<void>;
  /** Waits until `key`'s slot is served by a primary other than `port` and the cluster is ok. */
  untilFailedOver(key: string, port: number): Promise<number>;
  stop(): Promise<void>;
}

interface NodeLine {
  port: number;
  flags: string[];
  slots: [number, number][];
}

/** CLUSTER NODES, parsed: `id ip:port@bus flags master ping pong epoch state slots…`. */
async function clusterNodes(port: number): Promise<NodeLine[]> {
  const text = String(await onNode(port, 'CLUSTER', 'NODES'));
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [, address = '', flags = '', , , , , , ...slots] = line.split(' ');
      return {
        port: Number(address.split('@')[0]?.split(':')[1]),
        flags: flags.split(','),
        slots: slots
          .filter((s) => !s.startsWith('['))
          .map((s) => {
            const [from, to = from] = s.split('-');
            return [Number(from), Number(to)] as [number, number];
          }),
      };
    });
}

export async function startRedisCluster(): Promise<RedisClusterSet> {
  const set = createDaemonSet('cluster');
  try {
    const allPorts = await freePorts(12);
    const ports = allPorts.slice(0, 6);
    const daemons = new Map<number, Daemon>();
    ports.forEach((port, i) => {
      const args = ['--port', String(port), '--cluster-port', String(allPorts[6 + i])];
      args.push('--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`);
      args.push('--cluster-node-timeout', '1000', '--bind', '127.0.0.1');
      args.push('--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction');
      daemons.set(port, set.start(`redis-${port}`, 'redis-server', args));
    });
    await Promise.all(ports.map((port) => untilAnswers(port)));
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    const create = ['--cluster', 'create', ...addresses, '--cluster-replicas', '1'];
    await run('redis-cli', [...create, '--cluster-yes'], { timeout: 30_000 });
    await until('every node to see a healthy cluster of six', async () => {
      for (const port of ports) {
        const info = String(await onNode(port, 'CLUSTER', 'INFO'));
        if (!info.includes('cluster_state:ok') || !info.includes('cluster_known_nodes:6')) {
          return false;
        }
      }
      return true;
    });
    // A replica whose link to its primary never came up would not be elected.
    await until('every replica to sync with its primary', async () => {
      for (const port of ports) {
        const info = String(await onNode(port, 'INFO', 'replication'));
        if (info.includes('role:slave') && !info.includes('master_link_status:up')) return false;
      }
      return true;
    });
    const live = () => ports.filter((p) => daemons.get(p)?.running());
    const primaryFor = async (key: string) => {
      const anyLive = live()[0] as number;
      const slot = Number(await onNode(anyLive, 'CLUSTER', 'KEYSLOT', key));
      const nodes = await clusterNodes(anyLive);
      const owner = nodes.find(
        (n) =>
          n.flags.includes('master') &&
          !n.flags.includes('fail') &&
          n.slots.some(([from, to]) => slot >= from && slot <= to),
      );
      if (!owner) throw new Error(`no primary serves slot ${slot}`);
      return owner.port;
    };
    return {
      nodes: hostPorts(ports),
      ports,
      primaryFor,
      kill: async (port) => daemons.get(port)?.kill(),
      async untilFailedOver(key, port) {
        let promoted = port;
        await until(`a replica to take over ${key}'s slot from ${port}`, async () => {
          promoted = await primaryFor(key);
          if (promoted === port) return false;
          for (const p of live()) {
            if (!String(await onNode(p, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) {
              return false;
            }
          }
          return true;
        });
        return promoted;
      },
      stop: () => set.stop(),
    };
  } catch (err) {
    await set.stop();
    throw err;
  }
}
