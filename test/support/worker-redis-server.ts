import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * A private redis-server for tests that must change its policy or restart it, which the
 * shared Redis must never suffer. No persistence: a restart loses every key, like a Redis
 * without AOF.
 */
export async function startPrivateRedis(policy = 'noeviction') {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const probe = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
    probe.on('error', () => {});
    for (let i = 0; ; i++) {
      try {
        await probe.connect();
        await probe.config('SET', 'maxmemory-policy', policy);
        break;
      } catch (err) {
        if (i > 100) throw err;
        probe.disconnect();
        await sleep(50);
      }
    }
    probe.disconnect();
  };
  const stop = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    url,
    /** Kills the server (losing every key) and starts it again on the same port. */
    async restart() {
      await stop();
      await start();
    },
    stop,
  };
}
