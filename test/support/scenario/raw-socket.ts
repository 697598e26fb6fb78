import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { ServiceProcess } from '../processes.ts';
import type { Answer, Client } from './http.ts';
import { ENDPOINT } from './tenants.ts';

// Plain TCP clients for the slow-client scenarios: connections that send nothing, or send a
// request a byte at a time, where fetch would send it all at once.

export interface RawConnection {
  socket: Socket;
  /** Resolves with the milliseconds from `openedAt` to the close (by either side). */
  closed: Promise<number>;
  /** Everything the server sent. */
  received(): string;
  openedAt: number;
}

export async function openConnection(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => {});
  await once(socket, 'connect');
  const openedAt = Date.now();
  let data = '';
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString();
  });
  const closed = once(socket, 'close').then(() => Date.now() - openedAt);
  return { socket, closed, received: () => data, openedAt };
}

/**
 * Writes `bytes` one at a time, `everyMs` apart, until all are sent or the server closes the
 * connection. Returns how many bytes went out.
 */
export async function trickle(conn: RawConnection, bytes: string, everyMs: number) {
  let sent = 0;
  let open = true;
  void conn.closed.then(() => {
    open = false;
  });
  for (const byte of bytes) {
    if (!open || conn.socket.destroyed) break;
    conn.socket.write(byte);
    sent++;
    await Promise.race([new Promise((r) => setTimeout(r, everyMs)), conn.closed]);
  }
  return sent;
}

/** The HTTP answer a raw connection received, in the shape the problem-details check reads. */
export function parseAnswer(raw: string, method: string, path: string): Answer {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers = new Headers();
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const text = rest.join('\r\n\r\n');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { method, path, status: Number(statusLine.split(' ')[1]), headers, text, json };
}

/**
 * A POST of the operation through node:http, for headers fetch will not send (chunked,
 * encodings, none); its answer joins `client`'s for the OpenAPI check.
 */
export function rawPost(
  client: Client,
  target: ServiceProcess,
  key: string,
  body: Buffer,
  headers: Record<string, string>,
) {
  const url = new URL(ENDPOINT, target.url);
  return new Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    text: string;
  }>((resolve, reject) => {
    const req = httpRequest(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        ...(headers['transfer-encoding'] ? {} : { 'content-length': String(body.length) }),
        ...headers,
      },
    });
    for (const [name, value] of Object.entries(headers)) if (value === '') req.removeHeader(name);
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        const answer = { status: res.statusCode ?? 0, headers: res.headers, text };
        client.answers.push({
          method: 'POST',
          path: ENDPOINT,
          status: answer.status,
          text,
          headers: new Headers(
            Object.entries(res.headers).flatMap(([k, v]) =>
              typeof v === 'string' ? [[k, v] as [string, string]] : [],
            ),
          ),
          json: safeJson(text),
        });
        resolve(answer);
      });
    });
    // The server may answer (413) and close before the whole body is written.
    req.on('error', reject);
    req.end(body);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
