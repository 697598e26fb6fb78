import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Linux reports process CPU in clock ticks; USER_HZ is 100 on every mainstream kernel. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface NodeChild {
  pid: number;
  /** What the child wrote so far (stdout + stderr), for error messages. */
  output(): string;
  /** Whether the process has ended. */
  hasExited(): boolean;
  /** User + system CPU seconds the process (all its threads) has used so far. */
  cpuSeconds(): Promise<number>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * What every service or worker process the bench starts is given: the production build's
 * behaviour, warnings only (logging is not what is measured), the bench's stores, and a queue
 * prefix of its own.
 */
export function benchProcessEnv(stores: {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
}) {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: stores.databaseUrl,
    REDIS_URL: stores.redisUrl,
    QUEUE_PREFIX: stores.queuePrefix,
  };
}

/**
 * Runs a project entry point (`src/main.ts`, `workers/…`) on this same Node binary, preloaded
 * as the start scripts preload it (tracing when OTEL_* in `env` asks for it). `root` is the
 * tree it runs from: this one, or a baseline's (`OCN_BENCH_BASELINE_ROOT`) measured beside it.
 */
export function spawnNode(entry: string, env: Record<string, string>, root = ROOT): NodeChild {
  // OCN_BENCH_CPU_PROF_DIR=<dir>: each child writes a V8 CPU profile there when it exits.
  const profileDir = process.env.OCN_BENCH_CPU_PROF_DIR;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(
    process.execPath,
    [...profile, '--import', './src/telemetry/register.ts', entry],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${entry}`);
  return {
    pid,
    output: () => output,
    hasExited: () => child.exitCode !== null || child.signalCode !== null,
    cpuSeconds: () => processCpuSeconds(pid),
    stop: (graceMs = 10_000) => stopChild(child, exited, graceMs),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>, graceMs: number) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** utime + stime from /proc/<pid>/stat (fields 14 and 15; the comm field may hold spaces). */
/**
 * `OCN_BENCH_BASELINE_ROOT=<dir>`: another tree of the project (e.g. `git archive main` unpacked,
 * with a `node_modules` link) whose service the parts that support it measure beside this
 * tree's, in the same rounds: a change's before and after in one run, on one machine's noise.
 */
export function baselineRoot(): string | undefined {
  return process.env.OCN_BENCH_BASELINE_ROOT || undefined;
}

export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the comm field, state is fields[0], so utime (14th overall) is fields[11].
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}
