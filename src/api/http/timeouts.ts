import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyHttpOptions, FastifyInstance } from 'fastify';
import type { Config } from '../../config.ts';
import { buildProblem } from './problem.ts';

// Slow and idle clients (docs/reliability.md, "Slow clients"). Node enforces the headers and
// request timeouts itself, for connections that never send a byte too; Fastify's defaults leave
// the request timeout off, so a client sending its body a byte a second held a connection and a
// handler for as long as it liked. Past a timeout Node raises `clientError` on the socket; the
// handler below answers with problem details instead of Fastify's own JSON.

/** How often Node looks for connections past their headers/request timeout (its default: 30 s). */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1000;

export function httpServerOptions(http: Config['http']): Partial<FastifyHttpOptions<Server>> {
  return {
    connectionTimeout: http.connectionTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    requestTimeout: http.requestTimeoutMs,
    http: {
      headersTimeout: http.headersTimeoutMs,
      requestTimeout: http.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(
        CONNECTIONS_CHECKING_INTERVAL_MS,
        http.headersTimeoutMs,
      ),
    },
    clientErrorHandler: answerClientError,
  };
}

/** The response Node is writing on this socket, if any (Node's own handler checks the same). */
type HttpSocket = Socket & { _httpMessage?: { headersSent?: boolean } };

const CLIENT_ERRORS: Readonly<Record<string, [number, string, string]>> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request did not arrive in time'],
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'The request headers are too large',
  ],
};

/**
 * A connection-level error before Fastify could route the request (a timeout, unparsable HTTP):
 * one problem-details answer, then the connection is closed.
 */
export function answerClientError(
  this: FastifyInstance,
  err: Error & { code?: string },
  socket: Socket,
): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, detail] = CLIENT_ERRORS[err.code ?? ''] ?? [
    400,
    'Bad Request',
    'The request is not valid HTTP',
  ];
  // A handler may already have answered (a 401 before the body arrived): leave that answer be.
  const answered = (socket as HttpSocket)._httpMessage?.headersSent === true;
  if (socket.writable && !answered) {
    const problem = buildProblem({
      status,
      code: status === 408 ? 'REQUEST_TIMEOUT' : 'INVALID_REQUEST',
      detail,
      instance: '/',
      traceId: randomBytes(16).toString('hex'),
    });
    const { errorTicket, errorCode } = problem;
    this.log.info({ errorTicket, errorCode, status, clientError: err.code }, 'connection refused');
    const body = JSON.stringify(problem);
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
