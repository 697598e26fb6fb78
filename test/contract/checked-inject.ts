import type { FastifyInstance, LightMyRequestResponse as Response } from 'fastify';
import type { OpenApiDocument } from './document.ts';
import { createResponseValidator } from './response-validator.ts';

/**
 * Makes `app.inject` check every answer against the app's own OpenAPI document (the one it
 * serves at /openapi.json): an answer the document does not describe fails the request with
 * a message naming the route, the status and what differs. Call after `app.ready()`.
 * `inject()` without options (the chaining API) and with a callback are left as they are.
 */
export function checkAnswersOf(app: FastifyInstance): void {
  const validator = createResponseValidator(app.swagger() as unknown as OpenApiDocument);
  const inject = app.inject.bind(app) as (options?: unknown, callback?: unknown) => unknown;
  const checked = (options?: unknown, callback?: unknown) => {
    if (options === undefined || callback !== undefined) return inject(options, callback);
    return (inject(options) as Promise<Response>).then((response) => {
      validator.assert({
        method: response.raw.req.method ?? 'GET',
        url: response.raw.req.url ?? '',
        status: response.statusCode,
        headers: response.headers,
        body: response.body,
      });
      return response;
    });
  };
  app.inject = checked as FastifyInstance['inject'];
}
