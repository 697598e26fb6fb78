import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/** A direct connection to one node that never retries (for probes and admin commands). */
export function nodeClient(port: number): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  return client;
}

/** Runs `command` on the node at `port` and returns the reply. */
export async function onNode(port: number, ...command: [string, ...(string | number)[]]) {
  const client = nodeClient(port);
  try {
    await client.connect();
    return await client.call(...command);
  } finally {
    client.disconnect();
  }
}

/** Polls `check` until it is true; names `what` when `timeoutMs` passes. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(100);
  }
}

/** Waits until the node at `port` answers PING. */
export function untilAnswers(port: number, timeoutMs = 10_000) {
  return until(
    `redis on ${port} to answer`,
    async () => (await onNode(port, 'PING')) === 'PONG',
    timeoutMs,
  );
}
