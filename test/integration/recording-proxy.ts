import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';

// An HTTP proxy in front of the real API that remembers what the client sent: the headers of
// a request are the client's business and the service does not log them.

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding']);

export async function recordingProxy(target: string) {
  const seen: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer(async (req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const body = Buffer.concat(await req.toArray());
    const headers = Object.entries(req.headers).filter(([k]) => !HOP_BY_HOP.has(k));
    try {
      const answer = await fetch(`${target}${req.url}`, {
        method: req.method ?? 'GET',
        headers: headers as [string, string][],
        ...(body.length > 0 && { body }),
      });
      const out = [...answer.headers].filter(([k]) => !HOP_BY_HOP.has(k));
      res.writeHead(answer.status, Object.fromEntries(out));
      res.end(Buffer.from(await answer.arrayBuffer()));
    } catch {
      res.writeHead(502).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    posts: () => seen.filter((r) => r.method === 'POST'),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
