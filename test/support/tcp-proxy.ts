import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { listenOnLoopback } from './loopback.ts';

// A small TCP proxy on 127.0.0.1 in front of a service (Postgres), to slow it down or cut it
// off for a while without touching the service itself, which other people are using.

export interface TcpProxy {
  port: number;
  /** Delays every chunk in both directions by `ms` (0: none). */
  setDelay(ms: number): void;
  /** Resets every open connection and refuses new ones until `restore()`. */
  cutOff(): void;
  /**
   * Goes silent: connections stay open and new ones are accepted, but nothing is delivered
   * either way until `restore()` (like packets dropped and then retransmitted by TCP).
   */
  silence(): void;
  /** Points new connections at `target` and resets the open ones (a failover moving an address). */
  retarget(target: { host: string; port: number }): void;
  restore(): void;
  /**
   * Calls `listener` with every chunk a client sends, as it arrives (before any delay), until
   * the returned function is called: to act at the moment a client sent something.
   */
  onClientData(listener: (chunk: Buffer) => void): () => void;
  /** Connections accepted so far. */
  accepted(): number;
  /** Round trips so far, over all connections: each time a client sends after an answer. */
  roundTrips(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(initial: { host: string; port: number }): Promise<TcpProxy> {
  let target = initial;
  let delayMs = 0;
  let down = false;
  let silent: Promise<void> | undefined;
  let speak = () => {};
  let count = 0;
  let roundTrips = 0;
  const sockets = new Set<Socket>();
  const clientListeners = new Set<(chunk: Buffer) => void>();
  const pipe = (from: Socket, to: Socket) => {
    // Chunks keep their order: each waits for the one before it.
    let chain = Promise.resolve();
    from.on('data', (chunk) => {
      const ms = delayMs;
      chain = chain.then(async () => {
        if (ms > 0) await sleep(ms);
        await silent;
        if (!to.destroyed) to.write(chunk);
      });
    });
    from.on('end', () => void chain.then(() => to.end()));
  };
  const server = createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    count++;
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    let answered = true;
    client.on('data', (chunk: Buffer) => {
      for (const listener of clientListeners) listener(chunk);
      if (answered) roundTrips++;
      answered = false;
    });
    upstream.on('data', () => {
      answered = true;
    });
    pipe(client, upstream);
    pipe(upstream, client);
  });
  const port = await listenOnLoopback(server);
  return {
    port,
    setDelay: (ms) => {
      delayMs = ms;
    },
    retarget(next) {
      target = next;
      for (const s of sockets) s.resetAndDestroy();
    },
    silence() {
      silent ??= new Promise((resolve) => {
        speak = resolve;
      });
    },
    cutOff() {
      down = true;
      for (const s of sockets) s.resetAndDestroy();
    },
    restore() {
      down = false;
      speak();
      silent = undefined;
    },
    onClientData(listener) {
      clientListeners.add(listener);
      return () => clientListeners.delete(listener);
    },
    accepted: () => count,
    roundTrips: () => roundTrips,
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
