import type { HTTPMethods } from 'fastify';
import { type OpenApiDocument, operationsOf } from '../contract/document.ts';

// The operator routes that name one resource in their path (a job, a number), read from the
// OpenAPI document, for the tests that try every one of them with another operator's id or an
// odd one (isolation, hostile ids). A route added to the API is in the list by being documented;
// a path parameter the tests have no value for fails them, naming it.

export const JOBS = '/api/v3/oc/numbers/jobs';

export interface IdRoute {
  method: HTTPMethods;
  /** As documented, e.g. `/api/v3/oc/numbers/jobs/{jobId}`. */
  template: string;
  /** Its path parameters. */
  params: string[];
  /** The media types its 200 answer offers (JSON, and CSV where there is one). */
  mediaTypes: string[];
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

type IdRequest = [method: HTTPMethods, path: string, headers: { accept: string }];

/** Each route once per media type its 200 offers, as `[method, path, headers]`. */
export function idRequests(
  document: OpenApiDocument,
  values: Readonly<Record<string, string>>,
): IdRequest[] {
  return idRoutes(document).flatMap((route) =>
    route.mediaTypes.map((type): IdRequest => [route.method, route.path(values), { accept: type }]),
  );
}
