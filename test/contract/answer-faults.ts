import { escapePointer, type ResponseObject } from './document.ts';

// The parts of an answer the check compares with its documented response: headers and body.

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

export type Check = (pointer: string, value: unknown, what: string) => string[];

export function headerFaults(
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

export function bodyFaults(
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
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

const isIntegerSchema = (schema: unknown) =>
  (schema as { type?: unknown } | undefined)?.type === 'integer';

export function lowerCased(headers: ReceivedAnswer['headers']): Map<string, string> {
  return new Map(
    Object.entries(headers)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [
        name.toLowerCase(),
        Array.isArray(value) ? value.join(', ') : String(value),
      ]),
  );
}
