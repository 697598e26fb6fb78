import { randomBytes } from 'node:crypto';

// RFC 9457 problem details. Every non-2xx answer of the API is one of these; `errorTicket` is
// unique per answer and written to the log line, so support can find the request behind it.

export const ERROR_CODES = [
  'BODY_REQUIRED',
  'INVALID_BODY',
  'MALFORMED_JSON',
  'TOO_FEW_NUMBERS',
  'TOO_MANY_NUMBERS',
  'INVALID_TELEPHONE_NUMBERS',
  'INVALID_REQUEST',
  'INVALID_CURSOR',
  'INVALID_TENANT_ID',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'NOT_ACCEPTABLE',
  'JOB_FINISHED',
  'IDEMPOTENCY_KEY_MISMATCH',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'REQUEST_TIMEOUT',
  'INTERNAL_ERROR',
  'JOB_FAILED',
  'SERVICE_UNAVAILABLE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const TITLES: Readonly<Record<ErrorCode, string>> = {
  BODY_REQUIRED: 'Request body required',
  INVALID_BODY: 'Invalid request body',
  MALFORMED_JSON: 'Malformed JSON',
  TOO_FEW_NUMBERS: 'Too few telephone numbers',
  TOO_MANY_NUMBERS: 'Too many telephone numbers',
  INVALID_TELEPHONE_NUMBERS: 'Invalid telephone numbers',
  INVALID_REQUEST: 'Invalid request',
  INVALID_CURSOR: 'Invalid cursor',
  INVALID_TENANT_ID: 'Invalid msTenantId',
  UNAUTHORIZED: 'Unauthorized',
  FORBIDDEN: 'Forbidden',
  NOT_FOUND: 'Not found',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  NOT_ACCEPTABLE: 'Not acceptable',
  JOB_FINISHED: 'Job already finished',
  IDEMPOTENCY_KEY_MISMATCH: 'Idempotency key reused with a different body',
  PAYLOAD_TOO_LARGE: 'Request body too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  RATE_LIMITED: 'Too many requests',
  REQUEST_TIMEOUT: 'Request timeout',
  INTERNAL_ERROR: 'Internal server error',
  JOB_FAILED: 'Job failed',
  SERVICE_UNAVAILABLE: 'Service unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errorCode: ErrorCode;
  errorTicket: string;
  traceId: string;
  [extension: string]: unknown;
}

/** A non-resolvable but stable identifier per code (RFC 9457 §3.1.1 allows any URI). */
export function problemType(code: ErrorCode): string {
  return `urn:oc-numbers:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

export function newErrorTicket(): string {
  return `ET-${randomBytes(6).toString('hex').toUpperCase()}`;
}

/**
 * Thrown anywhere in a request; the one error handler turns it into problem details.
 * `extensions` become extra members of the body, `headers` extra response headers.
 */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  readonly status: number;
  readonly code: ErrorCode;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    code: ErrorCode,
    detail: string,
    options: { extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.status = status;
    this.code = code;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

/**
 * A problem lists at most this many `errors[]`; `errorsOmitted` counts the rest. A 64 KiB body
 * can hold 32 Ki bad entries, and listing them all made a 3.5 MB answer.
 */
export const MAX_PROBLEM_ERRORS = 100;

function capErrors(extensions: Record<string, unknown>): Record<string, unknown> {
  const { errors } = extensions;
  if (!Array.isArray(errors) || errors.length <= MAX_PROBLEM_ERRORS) return extensions;
  return {
    ...extensions,
    errors: errors.slice(0, MAX_PROBLEM_ERRORS),
    errorsOmitted: errors.length - MAX_PROBLEM_ERRORS,
  };
}

export function buildProblem(input: {
  status: number;
  code: ErrorCode;
  detail: string;
  instance: string;
  traceId: string;
  extensions?: Record<string, unknown>;
}): Problem {
  return {
    type: problemType(input.code),
    title: TITLES[input.code],
    status: input.status,
    detail: input.detail,
    instance: input.instance,
    errorCode: input.code,
    errorTicket: newErrorTicket(),
    traceId: input.traceId,
    ...capErrors(input.extensions ?? {}),
  };
}

/**
 * The problem as JSON. Serialising never throws: should an extension member defeat
 * JSON.stringify (a cycle, a BigInt, nesting too deep), the answer is the problem without its
 * extension members, and `onError` hears why.
 */
export function serializeProblem(problem: Problem, onError: (err: unknown) => void): string {
  try {
    return JSON.stringify(problem);
  } catch (err) {
    onError(err);
    const { type, title, status, detail, instance, errorCode, errorTicket, traceId } = problem;
    return JSON.stringify({
      type,
      title,
      status,
      detail,
      instance,
      errorCode,
      errorTicket,
      traceId,
    });
  }
}

/** One body for a missing, foreign or malformed id: nothing tells them apart (docs/architecture.md). */
export const notFound = (what = 'The requested resource does not exist') =>
  new HttpProblem(404, 'NOT_FOUND', what);

export const serviceUnavailable = (detail: string, retryAfterS = 5) =>
  new HttpProblem(503, 'SERVICE_UNAVAILABLE', detail, {
    headers: { 'retry-after': String(retryAfterS) },
  });
