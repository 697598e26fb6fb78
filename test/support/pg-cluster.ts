import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './listening.ts';

// A throwaway PostgreSQL cluster (initdb into a temporary folder, its own loopback port) for the
// tests that crash or reconfigure the server: the machine's shared Postgres is never touched.
// Postgres refuses to run as root, so as root the tools run as the `postgres` user.

const run = promisify(execFile);

export interface PrivatePostgres {
  port: number;
  url(database?: string): string;
  /** `pg_ctl stop -m immediate`: no checkpoint, no goodbye to clients, like a power cut. */
  crash(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const asPostgres = (command: string, args: string[]) =>
  process.getuid?.() === 0
    ? run('runuser', ['-u', 'postgres', '--', command, ...args])
    : run(command, args);

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'ocn-pg-'));
  if (process.getuid?.() === 0) await run('chown', ['postgres', dir]);
  const data = join(dir, 'data');
  const port = await freePort();
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`;
  const start = async () => {
    await asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
  };
  await start();
  return {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async crash() {
      await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
    },
    start,
    async stop() {
      await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}
