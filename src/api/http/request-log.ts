import {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type HookHandlerDoneFunction,
  LogController,
} from 'fastify';

// Fastify writes its "incoming request" line before any hook runs, and with tracing on the
// request's span only starts in @fastify/otel's onRequest hook: the line would carry no trace
// id. With tracing on, Fastify's own line is left out and the same line is written by an
// onRequest hook instead, registered after @fastify/otel's (which it adds when Fastify is
// constructed), so it runs inside the span and the logger's mixin adds its ids. Every other
// request line, "request completed" included, is written inside the span already. A request
// the router cannot read runs no hook: `frameworkErrors` writes its line (no span there).

class IncomingLineInSpan extends LogController {
  override incomingRequest(): void {}
}

/** Fastify's `logController` option: its own, unless tracing is on. */
export function requestLogController(tracing: boolean): { logController?: LogController } {
  return tracing ? { logController: new IncomingLineInSpan() } : {};
}

/** With tracing on, writes the "incoming request" line inside the request's span. */
export function logIncomingInSpan(app: FastifyInstance, tracing: boolean): void {
  if (!tracing) return;
  app.addHook(
    'onRequest',
    (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
      logIncoming(request);
      done();
    },
  );
}

/** Fastify's own "incoming request" line, as its LogController writes it. */
export function logIncoming(request: FastifyRequest): void {
  request.log.info({ req: request }, 'incoming request');
}
