import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Throwaway server processes (redis-server, redis-sentinel, pgbouncer) for the topology tests:
// each set lives in its own temp directory on free loopback ports, and stop() kills every
// process and removes the directory. A process exit hook kills what a crashed test left.

export interface Daemon {
  name: string;
  child: ChildProcess;
  running(): boolean;
  /** SIGKILL (a crash, not a shutdown) and wait for the exit. */
  kill(): Promise<void>;
}

export interface DaemonSet {
  dir: string;
  start(name: string, command: string, args: string[]): Daemon;
  stop(): Promise<void>;
}

const everyChild = new Set<ChildProcess>();
const everyDir = new Set<string>();
process.once('exit', () => {
  for (const child of everyChild) child.kill('SIGKILL');
  for (const dir of everyDir) rmSync(dir, { recursive: true, force: true });
});

export function createDaemonSet(label: string): DaemonSet {
  const dir = mkdtempSync(join(tmpdir(), `ocn-${label}-`));
  // Readable by an unprivileged user: pgbouncer refuses to run as root and drops to `nobody`.
  chmodSync(dir, 0o755);
  everyDir.add(dir);
  const daemons: Daemon[] = [];
  return {
    dir,
    start(name, command, args) {
      // Output goes to <name>.log in the directory, for a look when a test fails.
      const log = openSync(join(dir, `${name}.log`), 'a');
      const child = spawn(command, args, { cwd: dir, stdio: ['ignore', log, log] });
      closeSync(log);
      everyChild.add(child);
      child.once('exit', () => everyChild.delete(child));
      const running = () => child.exitCode === null && child.signalCode === null;
      const daemon: Daemon = {
        name,
        child,
        running,
        async kill() {
          if (!running()) return;
          const exited = once(child, 'exit');
          child.kill('SIGKILL');
          await exited;
        },
      };
      daemons.push(daemon);
      return daemon;
    },
    async stop() {
      await Promise.all(daemons.map((d) => d.kill()));
      rmSync(dir, { recursive: true, force: true });
      everyDir.delete(dir);
    },
  };
}

/** Why a topology test cannot run here (a server binary missing from PATH), or undefined. */
export function missingBinaries(...names: string[]): string | undefined {
  const missing = names.filter(
    (name) => spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status !== 0,
  );
  return missing.length > 0
    ? `${missing.join(', ')} not installed (.ci/run installs Debian's redis-sentinel and pgbouncer)`
    : undefined;
}
