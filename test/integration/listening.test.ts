import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ListeningChild, startListening } from '../support/listening.ts';

// How the tests and the bench start a service on a free port, with real child processes: a
// port another process takes before the child binds it costs a restart on another port, not
// the run; any other early exit fails at once with what the child said.

/** A Node child that runs `script` (`PORT` is the port) and answers 200 once it listens. */
function nodeChild(script: string, port: number): ListeningChild {
  const child = spawn(process.execPath, ['-e', script], {
    env: { PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = once(child, 'exit');
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    hasExited,
    output: () => output,
    async stop() {
      if (!hasExited()) child.kill();
      await exited;
    },
  };
}

const SERVE = `require('node:http').createServer((_, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')`;

const taken: Server[] = [];
/**
 * Listens on `port` first, as another process could between "found free" and the bind; it
 * answers nothing (it drops every connection).
 */
async function take(port: number) {
  const server = createServer((socket) => socket.destroy());
  taken.push(server);
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
}

afterEach(async () => {
  for (const server of taken.splice(0)) {
    server.close();
    await once(server, 'close');
  }
});

describe('startListening', () => {
  it('starts the child again on another port when the first was taken before it bound it', async () => {
    const ports: number[] = [];
    const { child, baseUrl } = await startListening(
      'child',
      async (port) => {
        ports.push(port);
        if (ports.length === 1) await take(port);
        return nodeChild(SERVE, port);
      },
      20_000,
    );
    try {
      expect(ports).toHaveLength(2);
      expect(baseUrl).toBe(`http://127.0.0.1:${ports[1]}`);
      expect((await fetch(`${baseUrl}/health/ready`)).status).toBe(200);
    } finally {
      await child.stop();
    }
  });

  it('gives up after three ports, each taken first', async () => {
    let spawned = 0;
    const start = startListening(
      'child',
      async (port) => {
        spawned++;
        await take(port);
        return nodeChild(SERVE, port);
      },
      20_000,
    );
    await expect(start).rejects.toThrow(
      /exited before it was ready; its output:\n[\s\S]*EADDRINUSE/,
    );
    expect(spawned).toBe(3);
  });

  it('fails at once, with its output, a child that exits for another reason', async () => {
    let spawned = 0;
    const started = Date.now();
    const start = startListening(
      'child',
      (port) => {
        spawned++;
        return nodeChild(`console.error('no stores'); process.exit(1)`, port);
      },
      60_000,
    );
    await expect(start).rejects.toThrow(
      /the child exited before it was ready; its output:\nno stores/,
    );
    expect(spawned).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
