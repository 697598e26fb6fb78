import { readFileSync } from 'node:fs';

// The OpenAPI document as the contract tests read it: its operations, found by method and path
// the way the server's router finds them (a literal segment wins over a parameter).

export interface MediaType {
  schema?: unknown;
}
export interface HeaderObject {
  required?: boolean;
  schema?: unknown;
}
export interface ResponseObject {
  description?: string;
  headers?: Record<string, HeaderObject>;
  content?: Record<string, MediaType>;
}
export interface OperationObject {
  operationId?: string;
  parameters?: { name: string; in: string }[];
  requestBody?: unknown;
  responses?: Record<string, ResponseObject>;
  security?: Record<string, string[]>[];
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, unknown> };
}

export interface DocumentedOperation {
  method: string;
  /** The path template, e.g. `/api/v3/oc/numbers/jobs/{jobId}`. */
  template: string;
  /** Its path parameters, in order. */
  params: string[];
  operation: OperationObject;
  /** A JSON pointer to the operation in the document. */
  pointer: string;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

/** Every operation of the document. */
export function operationsOf(document: OpenApiDocument): DocumentedOperation[] {
  return Object.entries(document.paths).flatMap(([template, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        template,
        params: [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string),
        operation,
        pointer: `/paths/${escapePointer(template)}/${method}`,
      })),
  );
}

export const escapePointer = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/** The operation that answers `method` `path` (a HEAD is its GET), or undefined. */
export function findOperation(
  operations: readonly DocumentedOperation[],
  method: string,
  path: string,
): DocumentedOperation | undefined {
  const wanted = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  const segments = path.split('?')[0]?.split('/') ?? [];
  const candidates = operations.filter((op) => {
    const parts = op.template.split('/');
    return (
      op.method === wanted &&
      parts.length === segments.length &&
      parts.every((part, i) => (part.startsWith('{') ? segments[i] !== '' : part === segments[i]))
    );
  });
  // The router's rule (one tree per method): where two routes differ, a literal segment wins.
  candidates.sort((a, b) => literalRank(b.template) - literalRank(a.template));
  return candidates[0];
}

const literalRank = (template: string) =>
  template.split('/').reduce((rank, part) => rank * 2 + (part.startsWith('{') ? 0 : 1), 0);

/** The document the repository publishes (written by `npm run openapi:document`). */
export function committedDocument(): OpenApiDocument {
  return JSON.parse(readFileSync(new URL('./openapi.json', import.meta.url), 'utf8'));
}
