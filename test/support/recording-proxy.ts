import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { listenOnLoopback } from './loopback.ts';

// An HTTP proxy in front of the real API that remembers what the client sent: the headers of
// a request are the client's business and the service does not log them. Given `tamper`, it
// hands the client another answer than the service's (a foreign Location, a redirect, a body of
// the wrong shape): what a misconfigured gateway or a hostile middlebox would send.

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding']);

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Another answer for the request, or undefined to pass the service's on. */
export type Tamper = (
  request: { method: string; url: string },
  answer: Answer,
) => Answer | undefined;

export async function recordingProxy(target: string, tamper?: Tamper) {
  const seen: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer(async (req, res) => {
    const request = { method: req.method ?? 'GET', url: req.url ?? '' };
    seen.push({ ...request, headers: req.headers });
    const body = Buffer.concat(await req.toArray());
    const headers = Object.entries(req.headers).filter(([k]) => !HOP_BY_HOP.has(k));
    try {
      const answer = await fetch(`${target}${req.url}`, {
        method: request.method,
        headers: headers as [string, string][],
        ...(body.length > 0 && { body }),
      });
      const out = [...answer.headers].filter(([k]) => !HOP_BY_HOP.has(k));
      const passed = {
        status: answer.status,
        headers: Object.fromEntries(out),
        body: Buffer.from(await answer.arrayBuffer()),
      };
      const sent = tamper?.(request, passed) ?? passed;
      res.writeHead(sent.status, sent.headers);
      res.end(sent.body);
    } catch {
      res.writeHead(502).end();
    }
  });
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => [...seen],
    posts: () => seen.filter((r) => r.method === 'POST'),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
