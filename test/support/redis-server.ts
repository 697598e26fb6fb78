import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from './listening.ts';

// A private redis-server on its own loopback port, without persistence, for the tests that
// change its policy, kill its clients or restart it: the machine's shared Redis is never
// touched. A restart loses every key, like a Redis without AOF.

export interface PrivateRedis {
  url: string;
  port: number;
  /** Stops it (SIGKILL: everything in memory is lost) and starts it again on the same port. */
  restart(): Promise<void>;
  /** CLIENT KILL of every client connection except the one used to send it; returns how many. */
  killClients(): Promise<number>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(policy = 'noeviction'): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  // Its own working directory: a replica of it (the failover test) writes the RDB file it
  // receives from its primary there, whatever `--save` says.
  const dir = mkdtempSync(join(tmpdir(), 'ocn-redis-'));
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore', cwd: dir },
    );
    child.on('error', () => {});
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => {});
      const ok = await probe
        .connect()
        .then(() => probe.config('SET', 'maxmemory-policy', policy))
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
    const exited = once(running, 'exit');
    running.kill('SIGKILL');
    await exited;
  };
  await launch();
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
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
