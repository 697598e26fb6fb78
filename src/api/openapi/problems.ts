import { z } from 'zod';
import type { ErrorCode } from '../http/problem.ts';
import { ProblemSchema } from '../views/job-schemas.ts';

// The problem-details answers as the OpenAPI document describes them: one `Problem` component,
// and per operation and status the errorCodes that answer can carry (`allOf` the component and
// an `errorCode` enum), so a client can switch on them. Problem bodies are serialized by
// sendProblem, not by these schemas: they only document.

export type ProblemStatus =
  | 400
  | 401
  | 403
  | 404
  | 406
  | 408
  | 409
  | 413
  | 415
  | 422
  | 429
  | 431
  | 500
  | 503;

interface ProblemUse {
  codes: readonly [ErrorCode, ...ErrorCode[]];
  description: string;
}

const STANDARD: Readonly<Record<ProblemStatus, ProblemUse>> = {
  400: { codes: ['INVALID_REQUEST'], description: 'INVALID_REQUEST: a parameter is invalid' },
  401: {
    codes: ['UNAUTHORIZED'],
    description:
      "UNAUTHORIZED: missing, unknown or revoked API key. Each failure spends the client's failed-authentication budget (RateLimit)",
  },
  403: {
    codes: ['FORBIDDEN'],
    description: 'FORBIDDEN: an admin key; admin keys belong to no operator',
  },
  404: { codes: ['NOT_FOUND'], description: 'NOT_FOUND: no such job for this operator' },
  406: {
    codes: ['NOT_ACCEPTABLE'],
    description: 'NOT_ACCEPTABLE: none of the offered media types',
  },
  408: {
    codes: ['REQUEST_TIMEOUT'],
    description:
      "REQUEST_TIMEOUT: the request's headers or body did not arrive in time; the connection is closed",
  },
  409: { codes: ['JOB_FINISHED'], description: 'JOB_FINISHED: the job already ended (`job`)' },
  413: { codes: ['PAYLOAD_TOO_LARGE'], description: 'PAYLOAD_TOO_LARGE: body over 64 KiB' },
  415: {
    codes: ['UNSUPPORTED_MEDIA_TYPE'],
    description: 'UNSUPPORTED_MEDIA_TYPE: a body that is not application/json',
  },
  422: {
    codes: ['IDEMPOTENCY_KEY_MISMATCH'],
    description: 'IDEMPOTENCY_KEY_MISMATCH: the key was used with a different body',
  },
  429: {
    codes: ['RATE_LIMITED'],
    description:
      "RATE_LIMITED: too many failed authentications from this client, or the operator's read budget is spent; `detail` says which (RateLimit, RateLimit-Policy, Retry-After)",
  },
  431: {
    codes: ['INVALID_REQUEST'],
    description: 'INVALID_REQUEST: request headers over 16 KiB; the connection is closed',
  },
  500: { codes: ['INTERNAL_ERROR'], description: 'INTERNAL_ERROR: an unexpected error' },
  503: {
    codes: ['SERVICE_UNAVAILABLE'],
    description:
      'SERVICE_UNAVAILABLE: Postgres or Redis unreachable, or the instance is shutting down (Retry-After)',
  },
};

/** One problem response; `errorCode` is one of `codes`, and `members` extension members. */
export function problem(
  status: ProblemStatus,
  use: Partial<ProblemUse> = {},
  members: Record<string, z.ZodType> = {},
) {
  const { codes, description } = { ...STANDARD[status], ...use };
  return {
    description,
    content: {
      'application/problem+json': {
        schema: ProblemSchema.and(z.looseObject({ errorCode: z.enum(codes), ...members })),
      },
    },
  };
}

type ProblemResponse = ReturnType<typeof problem>;

/** The standard problem responses for `statuses`. */
export function problems<const S extends readonly ProblemStatus[]>(
  ...statuses: S
): { [K in S[number]]: ProblemResponse } {
  return Object.fromEntries(statuses.map((status) => [status, problem(status)])) as {
    [K in S[number]]: ProblemResponse;
  };
}

/**
 * What any route can answer: a request too slow (408) or with headers too big (431), answered
 * before it reaches the route, the unexpected (500), and an instance shutting down (503).
 */
export const everyRouteProblems = () => problems(408, 431, 500, 503);

/**
 * What every operator route can answer whatever it does: a bad or missing key (401), an admin
 * key (403), a spent budget (429), a store going away (503), and what any route can answer.
 */
export const operatorProblems = () => ({
  ...problems(401, 403, 429),
  ...everyRouteProblems(),
});

/** The bodies of the routes that take one (POST, DELETE): unreadable, too large, not JSON. */
export const bodyProblems = () => ({
  400: problem(400, {
    codes: ['MALFORMED_JSON', 'INVALID_REQUEST'],
    description: 'MALFORMED_JSON: a body that is not JSON; INVALID_REQUEST: its length is wrong',
  }),
  ...problems(413, 415),
});

/** A query or cursor that the list does not take. */
export const invalidListQuery = () =>
  problem(400, {
    codes: ['INVALID_REQUEST', 'INVALID_CURSOR'],
    description:
      'INVALID_REQUEST: a parameter is invalid; INVALID_CURSOR: the cursor is not one this list handed out',
  });
