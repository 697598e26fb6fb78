import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import {
  type DocumentedOperation,
  escapePointer,
  findOperation,
  type OpenApiDocument,
  operationsOf,
  type ResponseObject,
} from './document.ts';

// Checks an answer of the service against the OpenAPI document: its status is documented for
// the operation, every required header is there, every header the contract knows is sent only
// where documented and matches its schema, the content type is documented and the body matches
// its schema.
//
// The schemas are checked by Ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1; Ajv is the
// maintained validator Fastify itself uses). The OpenAPI response validators we looked at do
// less than this: openapi-response-validator and jest-openapi read OpenAPI 3.0 schemas and check
// neither headers nor non-JSON media types, and openapi-backend passes an undocumented status
// silently. What they add on top of Ajv, finding the operation and its response, is the few
// lines below.

export interface ReceivedAnswer {
  method: string;
  /** The request path, with its query if any. */
  url: string;
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

// The headers the contract governs: sent only where the document says. The rest (Date,
// Content-Length, helmet's) are HTTP's or the framework's business.
const CONTRACT_HEADERS = [
  'location',
  'preference-applied',
  'idempotent-replayed',
  'retry-after',
  'link',
  'vary',
  'content-disposition',
  'www-authenticate',
  'ratelimit',
  'ratelimit-policy',
];

// Served but not API operations: the document itself, its UI, and Bull Board.
const NOT_OPERATIONS = /^\/(openapi\.json$|docs(\/|$)|admin\/queues(\/|$))/;

const DOCUMENT_ID = 'openapi.json';

export function createResponseValidator(document: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  formats.default(ajv);
  ajv.addSchema(document as object, DOCUMENT_ID);
  const operations = operationsOf(document);
  const compiled = new Map<string, ValidateFunction>();
  const validatorAt = (pointer: string) => {
    let validate = compiled.get(pointer);
    if (!validate) {
      validate = ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` });
      compiled.set(pointer, validate);
    }
    return validate;
  };
  const check = (pointer: string, value: unknown, what: string) => {
    const validate = validatorAt(pointer);
    return validate(value) ? [] : [`${what}: ${describeErrors(validate.errors ?? [])}`];
  };

  /** What differs between the answer and the document; empty when it is documented. */
  function faults(answer: ReceivedAnswer): string[] {
    const path = answer.url.split('?')[0] ?? answer.url;
    if (NOT_OPERATIONS.test(path)) return [];
    const operation = findOperation(operations, answer.method, path);
    if (!operation) {
      // No such operation: the one answer for that is the 404 problem.
      if (answer.status !== 404) return [`no documented operation answers with ${answer.status}`];
      return check('/components/schemas/Problem', parseJson(answer.body), 'body');
    }
    const responses = operation.operation.responses ?? {};
    const status = [String(answer.status), `${String(answer.status)[0]}XX`, 'default'].find(
      (key) => responses[key],
    );
    if (!status) {
      return [
        `status ${answer.status} is not documented (documented: ${Object.keys(responses).join(', ')})`,
      ];
    }
    const pointer = `${operation.pointer}/responses/${status}`;
    const response = responses[status] as ResponseObject;
    return [
      ...headerFaults(response, pointer, lowerCased(answer.headers), check),
      ...bodyFaults(response, pointer, answer, check),
    ];
  }

  return {
    faults,
    /** Throws, naming the route, the status and what differs, unless the answer is documented. */
    assert(answer: ReceivedAnswer): void {
      const found = faults(answer);
      if (found.length === 0) return;
      const operation = findOperation(operations, answer.method, answer.url.split('?')[0] ?? '');
      throw new Error(
        `${answer.method} ${answer.url.slice(0, 200)} → ${answer.status} is not what the OpenAPI document says` +
          ` (${describeOperation(operation)}):\n  ${found.join('\n  ')}`,
      );
    },
  };
}

type Check = (pointer: string, value: unknown, what: string) => string[];

function headerFaults(
  response: ResponseObject,
  pointer: string,
  headers: Map<string, string>,
  check: Check,
): string[] {
  const documented = new Map(
    Object.keys(response.headers ?? {}).map((name) => [name.toLowerCase(), name]),
  );
  const found: string[] = [];
  for (const [lower, name] of documented) {
    const header = response.headers?.[name];
    const value = headers.get(lower);
    if (value === undefined) {
      if (header?.required) found.push(`header ${name} is required but missing`);
      continue;
    }
    const typed = /^-?\d+$/.test(value) && isIntegerSchema(header?.schema) ? Number(value) : value;
    found.push(...check(`${pointer}/headers/${escapePointer(name)}/schema`, typed, name));
  }
  for (const name of CONTRACT_HEADERS) {
    if (headers.has(name) && !documented.has(name)) {
      found.push(`header ${name} is sent but not documented for this status`);
    }
  }
  return found;
}

function bodyFaults(
  response: ResponseObject,
  pointer: string,
  answer: ReceivedAnswer,
  check: Check,
): string[] {
  if (answer.method.toUpperCase() === 'HEAD') return [];
  const content = response.content ?? {};
  if (Object.keys(content).length === 0) {
    return answer.body === '' ? [] : ['a body is sent but none is documented'];
  }
  const type = String(lowerCased(answer.headers).get('content-type') ?? '')
    .split(';')[0]
    ?.trim();
  if (!type || !content[type]) {
    return [
      `content-type ${type || '(none)'} is not documented (${Object.keys(content).join(', ')})`,
    ];
  }
  const json = type === 'application/json' || type.endsWith('+json');
  const body = json ? parseJson(answer.body) : answer.body;
  if (body === NOT_JSON) return [`the ${type} body is not JSON: ${answer.body.slice(0, 100)}`];
  return check(`${pointer}/content/${escapePointer(type)}/schema`, body, `${type} body`);
}

const NOT_JSON = Symbol('not JSON');
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

const isIntegerSchema = (schema: unknown) =>
  (schema as { type?: unknown } | undefined)?.type === 'integer';

function lowerCased(headers: ReceivedAnswer['headers']): Map<string, string> {
  return new Map(
    Object.entries(headers)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [
        name.toLowerCase(),
        Array.isArray(value) ? value.join(', ') : String(value),
      ]),
  );
}

function describeErrors(errors: ErrorObject[]): string {
  return errors
    .slice(0, 5)
    .map((e) => {
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
      const extra = (e.params as { additionalProperty?: string }).additionalProperty;
      const detail = allowed ? ` (${allowed.join(', ')})` : extra ? ` (${extra})` : '';
      return `${e.instancePath || '/'} ${e.message}${detail}`;
    })
    .join('; ');
}

const describeOperation = (operation: DocumentedOperation | undefined) =>
  operation
    ? `${operation.operation.operationId ?? '?'}: ${operation.method} ${operation.template}`
    : 'no documented operation';
