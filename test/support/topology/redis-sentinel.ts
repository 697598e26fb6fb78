import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDaemonSet, type Daemon } from './daemons.ts';
import { freePorts, hostPorts } from './ports.ts';
import { onNode, until, untilAnswers } from './redis-nodes.ts';

// A Redis primary, one replica and three sentinels (quorum 2) on free ports, no persistence.
// Sentinels call a primary down after 1.5 s of silence, so a failover takes a few seconds.

export const SENTINEL_MASTER_NAME = 'ocn-primary';

export interface SentinelSet {
  /** REDIS_SENTINELS for the service. */
  sentinels: string;
  primaryPort: number;
  replicaPort: number;
  /** SIGKILLs the primary (it is not restarted). */
  killPrimary(): Promise<void>;
  /** The port the sentinels name as primary now. */
  primaryNow(): Promise<number>;
  stop(): Promise<void>;
}

const REDIS_ARGS = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];

export async function startSentinelSet(): Promise<SentinelSet> {
  const set = createDaemonSet('sentinel');
  try {
    const [primaryPort, replicaPort, ...sentinelPorts] = (await freePorts(5)) as [
      number,
      number,
      ...number[],
    ];
    const redis = (port: number, extra: string[] = []) =>
      set.start(`redis-${port}`, 'redis-server', [
        '--port',
        String(port),
        ...REDIS_ARGS,
        '--maxmemory-policy',
        'noeviction',
        ...extra,
      ]);
    const primary: Daemon = redis(primaryPort);
    redis(replicaPort, ['--replicaof', '127.0.0.1', String(primaryPort)]);
    for (const port of sentinelPorts) {
      const file = join(set.dir, `sentinel-${port}.conf`);
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${set.dir}`,
          `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${primaryPort} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} 1500`,
          `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 10000`,
          `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
          '',
        ].join('\n'),
      );
      set.start(`sentinel-${port}`, 'redis-sentinel', [file]);
    }
    await Promise.all([primaryPort, replicaPort, ...sentinelPorts].map((p) => untilAnswers(p)));
    await until('the replica to sync', async () =>
      String(await onNode(replicaPort, 'INFO', 'replication')).includes('master_link_status:up'),
    );
    // A failover needs every sentinel to know the replica and the other sentinels (hello
    // messages every 2 s).
    for (const port of sentinelPorts) {
      await until(`sentinel ${port} to see the replica and two sentinels`, async () => {
        const replicas = (await onNode(
          port,
          'SENTINEL',
          'REPLICAS',
          SENTINEL_MASTER_NAME,
        )) as unknown[];
        const others = (await onNode(
          port,
          'SENTINEL',
          'SENTINELS',
          SENTINEL_MASTER_NAME,
        )) as unknown[];
        return replicas.length === 1 && others.length === 2;
      });
    }
    const firstSentinel = sentinelPorts[0] as number;
    return {
      sentinels: hostPorts(sentinelPorts),
      primaryPort,
      replicaPort,
      killPrimary: () => primary.kill(),
      async primaryNow() {
        const [, port] = (await onNode(
          firstSentinel,
          'SENTINEL',
          'GET-MASTER-ADDR-BY-NAME',
          SENTINEL_MASTER_NAME,
        )) as [string, string];
        return Number(port);
      },
      stop: () => set.stop(),
    };
  } catch (err) {
    await set.stop();
    throw err;
  }
}
