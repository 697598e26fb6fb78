import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type ListeningChild, startListening, waitForReady } from './listening.ts';
import { POOLER_ENV } from './services.ts';

// Real service processes for the reliability suite: the same entry points `npm run start:api`
// and `npm run start:worker` run, on this Node binary, against a test database and prefix —
// of this checkout, or of another one (`root`: the previous release, test/upgrade/).

const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url));

const ENTRIES = {
  main: 'src/main.ts', // `npm start`
  api: 'src/api/server.ts',
  worker: 'workers/main.ts',
} as const;

export type ServiceKind = keyof typeof ENTRIES;

export interface ServiceProcess extends ListeningChild {
  kind: ServiceKind;
  child: ChildProcess;
  pid: number;
  /** Every line written so far (pino JSON on stdout, anything on stderr). */
  lines: string[];
  /** The API's base URL (`http://127.0.0.1:<port>`); undefined for a worker. */
  url: string | undefined;
  waitForLine(text: string, timeoutMs?: number): Promise<string>;
  /** The exit code, or the name of the signal that ended it. */
  exited: Promise<number | string>;
  /** Sends `signal` (default SIGKILL) if still running and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Short lock and stall intervals: a killed worker's job comes back within seconds. */
const BASE_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'info',
  WORKER_LOCK_DURATION_MS: '2000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  WORKER_MAX_STALLED_COUNT: '5',
  SHUTDOWN_TIMEOUT_MS: '4000',
  ...POOLER_ENV,
};

/**
 * Starts `kind` of the checkout at `root` (this one unless given) and returns at once, for a
 * test that watches the start itself (`startService` waits until it is ready). The API and
 * `main` listen on `port`, else on a port found free.
 */
export async function spawnService(
  kind: ServiceKind,
  env: Record<string, string>,
  options: { root?: string; port?: number } = {},
): Promise<ServiceProcess> {
  const port = kind === 'worker' ? undefined : String(options.port ?? (await freePort()));
  const root = options.root ?? CHECKOUT;
  // Preloaded as the start scripts do (tracing when OTEL_* asks for it); an older checkout
  // (test/upgrade/) may predate it.
  const preload = join(root, 'src/telemetry/register.ts');
  const args = existsSync(preload) ? ['--import', preload] : [];
  const child = spawn(process.execPath, [...args, join(root, ENTRIES[kind])], {
    env: {
      PATH: process.env.PATH ?? '',
      ...BASE_ENV,
      HOST: '127.0.0.1',
      ...(port && { PORT: port }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${kind} did not start`);
  const lines: string[] = [];
  const waiters: { text: string; resolve: (line: string) => void }[] = [];
  let partial = '';
  const onData = (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!line) continue;
      lines.push(line);
      for (const waiter of waiters.filter((w) => line.includes(w.text))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    kind,
    child,
    pid: child.pid,
    lines,
    url: port ? `http://127.0.0.1:${port}` : undefined,
    exited,
    hasExited: () => !running(),
    output: () => lines.join('\n'),
    waitForLine(text, timeoutMs = 90_000) {
      const seen = lines.find((line) => line.includes(text));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no "${text}" from the ${kind}; it wrote:\n${lines.join('\n')}`));
        }, timeoutMs);
        waiters.push({
          text,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
    async stop(signal = 'SIGKILL') {
      if (running()) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `/health/ready` until it answers 200 (Postgres and Redis reachable). */
export function waitUntilReady(api: ServiceProcess, timeoutMs = 90_000): Promise<void> {
  return waitForReady(api.kind, api, api.url ?? '', timeoutMs);
}

/**
 * How long a process may take to become ready. On the shared 2-core machine under load (load
 * average 15–25) a Node process took over 30 s to import the service and connect; a start that
 * fails is killed, so it cannot outlive its test file.
 */
const START_TIMEOUT_MS = 90_000;

/**
 * Starts `kind` and waits until it is ready: the API's (or `main`'s) `/health/ready` answers
 * 200 (on another port if the one found free was taken first: `startListening`), a worker
 * logged its start. A start that fails is killed and throws, so its failure is the only one the
 * file reports.
 */
export async function startService(
  kind: ServiceKind,
  env: Record<string, string>,
  options: { root?: string } = {},
): Promise<ServiceProcess> {
  if (kind !== 'worker') {
    const spawnOn = (port: number) => spawnService(kind, env, { ...options, port });
    return (await startListening(kind, spawnOn, START_TIMEOUT_MS)).child;
  }
  const worker = await spawnService(kind, env, options);
  try {
    await worker.waitForLine('action worker started', START_TIMEOUT_MS);
    return worker;
  } catch (err) {
    await worker.stop('SIGKILL');
    throw err;
  }
}

/** The running worker process that logged the start of `jobId`, if any. */
export function holderOf(workers: readonly ServiceProcess[], jobId: string) {
  return workers.find(
    (w) =>
      w.kind === 'worker' &&
      !w.hasExited() &&
      w.lines.some((l) => l.includes('"job started"') && l.includes(jobId)),
  );
}

/** The JSON log line `message` a process wrote about `jobId`, if any. */
export function logLineOrNot(process: ServiceProcess, message: string, jobId: string) {
  const line = process.lines.find((l) => l.includes(`"msg":"${message}"`) && l.includes(jobId));
  return line ? (JSON.parse(line) as { traceId?: string; spanId?: string }) : undefined;
}

/** The same, which must be there. */
export function logLine(process: ServiceProcess, message: string, jobId: string) {
  const line = logLineOrNot(process, message, jobId);
  if (!line) throw new Error(`no "${message}" line for ${jobId}`);
  return line;
}

/** A process's resident memory (Linux /proc), in KiB. */
export function rssKiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0);
}
