import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { OpenApiDocument } from './document.ts';
import { createResponseValidator, type ReceivedAnswer } from './response-validator.ts';

// Where the integration tests receive answers, each is checked against the OpenAPI document.

type Validator = ReturnType<typeof createResponseValidator>;
const validators = new WeakMap<FastifyInstance, Validator>();

/** The check against `app`'s own document (the one it serves at /openapi.json). */
export function validatorOf(app: FastifyInstance): Validator {
  let validator = validators.get(app);
  if (!validator) {
    validator = createResponseValidator(app.swagger() as unknown as OpenApiDocument);
    validators.set(app, validator);
  }
  return validator;
}

/**
 * Makes `app.inject` check every answer against the app's own document: an answer the document
 * does not describe fails the request with a message naming the route, the status and what
 * differs. Call after `app.ready()`. `inject()` without options (the chaining API) and with a
 * callback are left as they are.
 */
export function checkAnswersOf(app: FastifyInstance): void {
  const validator = validatorOf(app);
  validator.warm();
  const inject = app.inject.bind(app) as (options?: unknown, callback?: unknown) => unknown;
  const checked = (options?: unknown, callback?: unknown) => {
    if (options === undefined || callback !== undefined) return inject(options, callback);
    return (inject(options) as Promise<LightMyRequestResponse>).then((response) => {
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

/** An answer fetched over HTTP, as the check takes it (it reads a clone: the body stays unread). */
export async function fetchedAnswer(
  method: string,
  url: string,
  response: Response,
): Promise<ReceivedAnswer> {
  return {
    method,
    url,
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: await response.clone().text(),
  };
}
