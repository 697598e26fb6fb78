import { Agent, request } from 'node:http';

export interface HttpAnswer {
  status: number;
  body: string;
  ms: number;
}

/** A keep-alive JSON client on node:http: the lightest client, so it barely skews latency. */
export function createHttpClient(baseUrl: string, headers: Record<string, string>) {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const base = new URL(baseUrl);
  const send = (
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<HttpAnswer> => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          path,
          method,
          headers: {
            ...headers,
            ...extra,
            ...(payload === undefined
              ? {}
              : {
                  'content-type': 'application/json',
                  'content-length': Buffer.byteLength(payload),
                }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString(),
              ms: Number(process.hrtime.bigint() - started) / 1e6,
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  };
  return {
    post: (path: string, body: unknown, extra?: Record<string, string>) =>
      send('POST', path, body, extra),
    get: (path: string, extra?: Record<string, string>) => send('GET', path, undefined, extra),
    close: () => agent.destroy(),
  };
}
