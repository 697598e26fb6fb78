import { once } from 'node:events';
import { createServer } from 'node:net';
import { waitFor } from './wait.ts';

// Child processes that serve HTTP on a loopback port, as the tests (processes.ts) and the bench
// (bench/service.ts) start them: on a port found free, until `/health/ready` answers 200.

/** A loopback port nobody listens on right now: bind port 0, read it, close. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface ListeningChild {
  /** Whether the process has ended. */
  hasExited(): boolean;
  /** What it wrote so far, for error messages. */
  output(): string;
  stop(): Promise<unknown>;
}

/** `true` once ready, `false` when the child exited first, the timeout's error otherwise. */
function readiness(name: string, child: ListeningChild, baseUrl: string, timeoutMs: number) {
  return waitFor(
    `the ${name} to be ready`,
    async () => (child.hasExited() ? false : isReady(baseUrl)),
    timeoutMs,
    100,
  ).catch((err: Error) => err);
}

async function isReady(baseUrl: string): Promise<true | undefined> {
  // Bounded: whatever holds the port may take the connection and never answer.
  const answer = await fetch(`${baseUrl}/health/ready`, {
    signal: AbortSignal.timeout(2000),
  }).catch(() => undefined);
  return answer?.ok || undefined;
}

const failure = (name: string, child: ListeningChild, ready: false | Error) =>
  new Error(
    `${ready === false ? `the ${name} exited before it was ready` : ready.message}; its output:\n${child.output()}`,
  );

/**
 * Starts `spawn` on a free loopback port and waits until it is ready. A port found free can be
 * taken by another process before the child binds it (test files and the bench run side by
 * side): a child that exits with EADDRINUSE is started again on another port, up to three
 * times. A child that exits otherwise fails at once; one not ready within `timeoutMs` is
 * stopped and fails.
 */
export async function startListening<C extends ListeningChild>(
  name: string,
  spawn: (port: number) => C | Promise<C>,
  timeoutMs: number,
): Promise<{ child: C; baseUrl: string }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = await spawn(port);
    const baseUrl = `http://127.0.0.1:${port}`;
    const ready = await readiness(name, child, baseUrl, timeoutMs);
    if (ready === true) return { child, baseUrl };
    await child.stop();
    if (ready === false && attempt < 3 && child.output().includes('EADDRINUSE')) continue;
    throw failure(name, child, ready);
  }
}

/** Waits until a running child is ready (again); fails at once if it exits. */
export async function waitForReady(
  name: string,
  child: ListeningChild,
  baseUrl: string,
  timeoutMs: number,
): Promise<void> {
  const ready = await readiness(name, child, baseUrl, timeoutMs);
  if (ready !== true) throw failure(name, child, ready);
}
