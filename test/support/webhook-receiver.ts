import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { forTheFile } from './for-the-file.ts';
import { listenOnLoopback } from './loopback.ts';
import { waitFor } from './wait.ts';

// A real webhook receiver on 127.0.0.1 (plain http: the services under test run with
// WEBHOOK_ALLOW_PRIVATE_TARGETS=true). It records every request with its raw body and answers
// as each path's script says: a status (with headers) or `hang` (never answers).

export interface ReceivedCall {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export type Answer = { status: number; headers?: Record<string, string> } | 'hang';

export interface WebhookReceiver {
  url(path: string): string;
  calls(path: string): ReceivedCall[];
  /** The answer to the `n`th call (0-based) of `path`; default 204. */
  script(path: string, answer: (n: number) => Answer): void;
  /** Requests being held open (hanging), by path. */
  open(path: string): number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  // Per path: a call costs the same however many came before (the bench's receiver takes
  // thousands of calls on the same two cores as the worker it measures).
  const calls = new Map<string, ReceivedCall[]>();
  const scripts = new Map<string, (n: number) => Answer>();
  const held = new Map<string, Set<ServerResponse>>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const ofPath = calls.get(path) ?? [];
      calls.set(path, ofPath);
      const n = ofPath.length;
      ofPath.push({
        path,
        headers: Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [
            k,
            Array.isArray(v) ? v.join(', ') : (v ?? ''),
          ]),
        ),
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      });
      const answer = scripts.get(path)?.(n) ?? { status: 204 };
      if (answer === 'hang') {
        const set = held.get(path) ?? new Set();
        set.add(res);
        held.set(path, set);
        res.on('close', () => set.delete(res));
        return;
      }
      res.writeHead(answer.status, answer.headers).end();
    });
  });
  const port = await listenOnLoopback(server);
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    calls: (path) => [...(calls.get(path) ?? [])],
    script: (path, answer) => scripts.set(path, answer),
    open: (path) => held.get(path)?.size ?? 0,
    async close() {
      for (const set of held.values()) for (const res of set) res.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** What a receiver does: verify the raw body and headers with the secret (throws if forged). */
export function verified(call: ReceivedCall, secret: string): unknown {
  return new Webhook(secret).verify(call.body, {
    'webhook-id': call.headers['webhook-id'] ?? '',
    'webhook-timestamp': call.headers['webhook-timestamp'] ?? '',
    'webhook-signature': call.headers['webhook-signature'] ?? '',
  });
}

/** Waits (as `waitFor`, named `what`) until `path` has had `count` calls or more; answers them. */
export function callsAtLeast(
  receiver: WebhookReceiver,
  path: string,
  count: number,
  what: string,
  timeoutMs?: number,
): Promise<ReceivedCall[]> {
  return waitFor(
    what,
    async () => {
      const seen = receiver.calls(path);
      return seen.length >= count ? seen : undefined;
    },
    timeoutMs,
  );
}

/** A receiver for the whole test file: started before its tests, closed after them. */
export const useWebhookReceiver = (): WebhookReceiver =>
  forTheFile(startWebhookReceiver, (receiver) => receiver.close());
