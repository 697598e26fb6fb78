import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from '../../support/processes.ts';

// A throwaway redis-server on its own loopback port, without persistence, for the scenarios
// that kill its clients or restart it: the machine's shared Redis on 6379 is never touched.

export interface ThrowawayRedis {
  url: string;
  port: number;
  /** Stops it (SIGKILL: everything in memory is lost) and starts it again on the same port. */
  restart(): Promise<void>;
  /** CLIENT KILL of every client connection except the one used to send it; returns how many. */
  killClients(): Promise<number>;
  stop(): Promise<void>;
}

export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis({
        port,
        host: '127.0.0.1',
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => {});
      const ok = await probe
        .connect()
        .then(() => probe.ping())
        .then(
          () => true,
          () => false,
        );
      probe.disconnect();
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not start`);
      await sleep(50);
    }
  };
  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    running.kill('SIGKILL');
    await once(running, 'exit');
  };
  await launch();
  const url = `redis://127.0.0.1:${port}`;
  return {
    url,
    port,
    async restart() {
      await kill();
      await launch();
    },
    async killClients() {
      const admin = new Redis(url, { maxRetriesPerRequest: 1 });
      try {
        const killed = await admin.call('CLIENT', 'KILL', 'SKIPME', 'yes', 'TYPE', 'normal');
        const pubsub = await admin.call('CLIENT', 'KILL', 'SKIPME', 'yes', 'TYPE', 'pubsub');
        return Number(killed) + Number(pubsub);
      } finally {
        await admin.quit();
      }
    },
    stop: kill,
  };
}
