import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isDbUnavailableError } from '../../db/error-classes.ts';
import {
  buildProblem,
  type ErrorCode,
  HttpProblem,
  notFound,
  serializeProblem,
  serviceUnavailable,
} from './problem.ts';
import { traceIdOf } from './trace.ts';

// The one place where errors become answers: our own HttpProblem, Fastify's
// framework errors (FST_ERR_CTP_*), schema validation errors, and everything else as a 5xx
// whose internals stay in the log.

const BY_FASTIFY_CODE: Readonly<Record<string, [number, ErrorCode, string]>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE', 'The request body is too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    'The request body must be sent as Content-Type: application/json',
  ],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'BODY_REQUIRED', 'A JSON request body is required'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'MALFORMED_JSON', 'The request body is not valid JSON'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
    400,
    'INVALID_REQUEST',
    'Content-Length does not match the body',
  ],
};

const BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

export function toHttpProblem(err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err;
  const fastifyError = err as Partial<FastifyError>;
  const known = fastifyError.code ? BY_FASTIFY_CODE[fastifyError.code] : undefined;
  if (known) return new HttpProblem(known[0], known[1], known[2]);
  if (hasZodFastifySchemaValidationErrors(err)) {
    // A malformed job id is just an id that does not exist (no hint about the id format).
    if (err.validationContext === 'params') {
      return notFound();
    }
    return new HttpProblem(
      400,
      'INVALID_REQUEST',
      `Invalid ${err.validationContext ?? 'request'}`,
      {
        extensions: {
          errors: err.validation.map((v) => ({
            in: err.validationContext,
            pointer: v.instancePath || '/',
            detail: v.message,
          })),
        },
      },
    );
  }
  if (err instanceof SyntaxError && fastifyError.statusCode === 400) {
    return new HttpProblem(400, 'MALFORMED_JSON', 'The request body is not valid JSON');
  }
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) {
    return new HttpProblem(
      status,
      BY_STATUS[status] ?? 'INVALID_REQUEST',
      String(fastifyError.message),
    );
  }
  if (isDbUnavailableError(err)) {
    return serviceUnavailable('The database is unavailable; retry later');
  }
  return new HttpProblem(500, 'INTERNAL_ERROR', 'An unexpected error occurred');
}

/**
 * The problem for `err` and its body, logged once (`<subject> failed` at error level for a 5xx,
 * else `<subject> rejected`) with the body's errorTicket, so support can find one from the other.
 * The API and the console both answer through it.
 */
export function loggedProblem(err: unknown, request: FastifyRequest, subject: string) {
  const problem = toHttpProblem(err);
  const body = buildProblem({
    status: problem.status,
    code: problem.code,
    detail: problem.message,
    instance: request.url.split('?')[0] ?? request.url,
    traceId: traceIdOf(request.raw),
    extensions: problem.extensions,
  });
  const fields = { errorTicket: body.errorTicket, errorCode: body.errorCode, status: body.status };
  if (problem.status >= 500) request.log.error({ ...fields, err }, `${subject} failed`);
  else request.log.info(fields, `${subject} rejected`);
  return { problem, body, fields };
}

/** Sends problem details for `err`; the log line carries the same errorTicket. */
export function sendProblem(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const { problem, body, fields } = loggedProblem(err, request, 'request');
  // Serialized here: problem bodies carry extension members no response schema lists.
  const json = serializeProblem(body, (serializeError) =>
    request.log.error({ ...fields, err: serializeError }, 'problem extensions not serialisable'),
  );
  return reply
    .code(problem.status)
    .headers(problem.headers)
    .type('application/problem+json')
    .send(json);
}
