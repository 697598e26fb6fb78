import type { HTTPMethods } from 'fastify';
import { type OpenApiDocument, operationsOf } from '../contract/document.ts';

// The operator routes that name one resource in their path (a job, a number), read from the
// OpenAPI document, for the tests that try every one of them with another operator's id or an
// odd one (isolation, hostile ids). A route added to the API is in the list by being documented;
// a path parameter the tests have no value for fails them, naming it, and so does a route that
// takes a body the tests have no valid one for (the id, not the body, must be what it answers).

export const JOBS = '/api/v3/oc/numbers/jobs';

/** Ids that name nothing: malformed, percent-encoded oddities, traversal, injection, huge. */
export const ODD_IDS = [
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  '%00',
  '..%2F..%2Fetc%2Fpasswd',
  "1'%20or%20'1'='1",
  '%7B%7D',
  'a'.repeat(5000),
  '6F9619FF-8B86-D011-B42D-00C04FC964FF',
  '{6f9619ff-8b86-d011-b42d-00c04fc964ff}',
  '%F0%9F%92%A5',
  '%E0%A4%A',
  '%',
  '-1',
  '1e999',
];

/** A valid body for each documented id route that takes one, by operationId. */
const VALID_BODIES: Readonly<Record<string, unknown>> = {
  updateWebhookEndpoint: { description: 'probe' },
};

export interface IdRoute {
  method: HTTPMethods;
  /** As documented, e.g. `/api/v3/oc/numbers/jobs/{jobId}`. */
  template: string;
  /** Its path parameters. */
  params: string[];
  /** The media types its 200 answer offers (JSON, and CSV where there is one). */
  mediaTypes: string[];
  /** A valid body, for a route that takes one. */
  body?: unknown;
  /** The path with every parameter taken from `values`, as they are (already URL-safe). */
  path(values: Readonly<Record<string, string>>): string;
}

/** Every documented operator route (under /api/) with a path parameter. */
export function idRoutes(document: OpenApiDocument): IdRoute[] {
  return operationsOf(document)
    .filter((op) => op.template.startsWith('/api/') && op.params.length > 0)
    .map((op) => ({
      method: op.method as HTTPMethods,
      template: op.template,
      params: op.params,
      mediaTypes: Object.keys(op.operation.responses?.['200']?.content ?? {}),
      ...(op.operation.requestBody !== undefined && { body: validBody(op.operation.operationId) }),
      path: (values) =>
        op.template.replace(/\{(\w+)\}/g, (_, name: string) => {
          const value = values[name];
          if (value === undefined) {
            throw new Error(`no value for {${name}} of ${op.method} ${op.template}: add one`);
          }
          return value;
        }),
    }));
}

function validBody(operationId: string | undefined): unknown {
  const body = operationId === undefined ? undefined : VALID_BODIES[operationId];
  if (body === undefined) throw new Error(`no valid body for ${operationId}: add one`);
  return body;
}

type IdRequest = [
  method: HTTPMethods,
  path: string,
  headers: { accept: string },
  body: unknown | undefined,
];

/** Each route once per media type its 200 offers, as `[method, path, headers, body]`. */
export function idRequests(
  document: OpenApiDocument,
  values: Readonly<Record<string, string>>,
): IdRequest[] {
  return idRoutes(document).flatMap((route) =>
    route.mediaTypes.map(
      (type): IdRequest => [route.method, route.path(values), { accept: type }, route.body],
    ),
  );
}
