import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { PG_ADMIN_URL } from '../services.ts';
import { createDaemonSet } from './daemons.ts';
import { freePorts } from './ports.ts';

// A PgBouncer in transaction mode in front of the test Postgres, on a free port: every
// database of that Postgres through one wildcard entry, trust auth from an auth_file.

export interface PgBouncer {
  /** postgres://postgres@127.0.0.1:<port>/postgres — swap the path for another database. */
  url: string;
  port: number;
  /** An admin-console query (`SHOW CLIENTS`, `SHOW POOLS`, …). */
  show(what: string): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

async function untilListening(port: number): Promise<void> {
  for (let i = 0; ; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (i > 100) throw new Error(`pgbouncer did not listen on ${port}`);
    await sleep(100);
  }
}

export async function startPgBouncer(options: { poolSize?: number } = {}): Promise<PgBouncer> {
  const set = createDaemonSet('pgbouncer');
  try {
    const [port] = (await freePorts(1)) as [number];
    const pg = new URL(PG_ADMIN_URL);
    const user = decodeURIComponent(pg.username || 'postgres');
    const ini = join(set.dir, 'pgbouncer.ini');
    writeFileSync(join(set.dir, 'userlist.txt'), `"${user}" ""\n`);
    writeFileSync(
      ini,
      [
        '[databases]',
        `* = host=${pg.hostname} port=${pg.port || 5432}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${join(set.dir, 'userlist.txt')}`,
        `admin_users = ${user}`,
        'pool_mode = transaction',
        `default_pool_size = ${options.poolSize ?? 20}`,
        'max_client_conn = 1000',
        // Test databases come and go: drop their idle pools soon.
        'server_idle_timeout = 10',
        'autodb_idle_timeout = 30',
        '',
      ].join('\n'),
    );
    // PgBouncer refuses to run as root; as root, it drops to an unprivileged user.
    const asRoot = process.getuid?.() === 0;
    set.start('pgbouncer', 'pgbouncer', asRoot ? ['-u', 'nobody', ini] : [ini]);
    const url = `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/postgres`;
    const admin = `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/pgbouncer`;
    const show = async (what: string) => {
      // The admin console speaks the simple query protocol only.
      const sql = postgres(admin, {
        max: 1,
        prepare: false,
        onnotice: () => {},
        fetch_types: false,
      });
      try {
        return [...(await sql.unsafe(`SHOW ${what}`).simple())] as Record<string, unknown>[];
      } finally {
        await sql.end({ timeout: 1 });
      }
    };
    await untilListening(port);
    return { url, port, show, stop: () => set.stop() };
  } catch (err) {
    await set.stop();
    throw err;
  }
}
