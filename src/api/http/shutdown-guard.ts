import type { FastifyInstance } from 'fastify';
import { sendProblem } from './error-handler.ts';
import { serviceUnavailable } from './problem.ts';

/**
 * Requests that reach a closing instance (pipelined, or on a busy keep-alive connection) get a
 * 503 problem with Retry-After, like every other error. Fastify's own answer here is a plain
 * JSON 503 without Retry-After, so the app is built with `return503OnClosing: false` and this
 * takes its place. Fastify still adds `Connection: close`. Register it before any other hook.
 */
export function guardShutdown(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!closing) return;
    return sendProblem(
      serviceUnavailable('This instance is shutting down; retry (another instance may answer)', 1),
      request,
      reply,
    );
  });
}
