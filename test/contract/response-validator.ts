import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import {
  bodyFaults,
  headerFaults,
  lowerCased,
  parseJson,
  type ReceivedAnswer,
} from './answer-faults.ts';
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
// less than this: openapi-response-validator (written for OpenAPI 2 and 3.0) checks a body
// against the first media type only and no header, jest-openapi checks no header, and
// openapi-backend passes an undocumented status silently. What they add on top of Ajv, finding
// the operation and its response, is the few lines below.

export type { ReceivedAnswer } from './answer-faults.ts';

// Served but not API operations: the document itself, its UI, Bull Board and the console (HTML).
const NOT_OPERATIONS = /^\/(openapi\.json$|docs(\/|$)|admin\/queues(\/|$)|console(\/|$))/;

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
    /**
     * Compiles the checks of every success answer now: compiling takes tens of milliseconds the
     * first time, which would otherwise land in the middle of a test's first requests.
     */
    warm(): void {
      for (const { operation, pointer } of operations) {
        for (const [status, response] of Object.entries(operation.responses ?? {})) {
          if (!status.startsWith('2')) continue;
          for (const type of Object.keys(response.content ?? {})) {
            validatorAt(`${pointer}/responses/${status}/content/${escapePointer(type)}/schema`);
          }
        }
      }
    },
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
