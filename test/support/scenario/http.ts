import { committedDocument } from '../../contract/document.ts';
import { createResponseValidator } from '../../contract/response-validator.ts';

// An HTTP client for the reliability suite that keeps every answer it got, so each scenario can
// check afterwards that every error answer was RFC 9457 problem details without internals. Every
// answer is checked against the committed OpenAPI document as it arrives (a difference fails the
// request), and again with the rest by assertProblemAnswers (answers a test read itself too).

export interface Answer {
  method: string;
  path: string;
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it was JSON, else undefined. */
  json: unknown;
}

export interface RequestOptions {
  key?: string;
  body?: unknown;
  /** Sent as is (no JSON encoding); wins over `body`. */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
}

// Stack frames, source paths, SQL, driver and framework error names: none may reach a client.
const INTERNALS =
  /\n\s+at |\bat .+:\d+:\d+|\.(ts|js|mjs):\d+|node_modules|\/work\/|\/home\/|\bselect .+ from\b|\binsert into\b|\bupdate \w+ set\b|sqlstate|econn|epipe|ReplyError|DrizzleQueryError|PostgresError|FST_ERR|ioredis|syntaxerror|typeerror|referenceerror/i;

let validator: ReturnType<typeof createResponseValidator> | undefined;
const documentValidator = () => {
  if (!validator) {
    validator = createResponseValidator(committedDocument());
    validator.warm();
  }
  return validator;
};

/** What differs between the answer and the OpenAPI document (empty when nothing does). */
export function documentFaults(answer: Answer): string[] {
  return documentValidator().faults({
    method: answer.method,
    url: answer.path,
    status: answer.status,
    headers: Object.fromEntries(answer.headers),
    body: answer.text,
  });
}

export function createClient(baseUrl: string) {
  const answers: Answer[] = [];
  async function request(method: string, path: string, options: RequestOptions = {}) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
    let body: string | Uint8Array | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined && { body }),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const answer: Answer = {
      method,
      path,
      status: response.status,
      headers: response.headers,
      text,
      json,
    };
    answers.push(answer);
    const faults = documentFaults(answer);
    if (faults.length > 0)
      throw new Error(`not what the OpenAPI document says: ${describeAnswer(answer, faults)}`);
    return answer;
  }
  return { request, answers, baseUrl };
}

export type Client = ReturnType<typeof createClient>;

/** What is wrong with an error answer (empty when it is proper problem details). */
export function problemFaults(answer: Answer): string[] {
  if (answer.status < 400) return [];
  const faults: string[] = [];
  const type = answer.headers.get('content-type') ?? '';
  if (!type.startsWith('application/problem+json')) faults.push(`content-type ${type}`);
  const body = answer.json as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object') return [...faults, 'body is not a JSON object'];
  for (const member of [
    'type',
    'title',
    'detail',
    'instance',
    'errorCode',
    'errorTicket',
    'traceId',
  ]) {
    if (typeof body[member] !== 'string') faults.push(`no ${member}`);
  }
  if (body.status !== answer.status) faults.push(`status member ${String(body.status)}`);
  if (INTERNALS.test(answer.text)) faults.push('internals in the body');
  // 503 (a dependency down) is an honest answer; an unexpected 500 is a defect.
  if (body.errorCode === 'INTERNAL_ERROR') faults.push('an unexpected 500');
  return faults;
}

const describeAnswer = (a: Answer, faults: string[]) =>
  `${a.method} ${a.path.slice(0, 200)} → ${a.status}: ${faults.join('; ')}\n  ${a.text.slice(0, 300)}`;

/**
 * Throws naming every answer among `answers` that the OpenAPI document does not describe, or
 * that is an error answer but not clean problem details.
 */
export function assertProblemAnswers(answers: readonly Answer[]): void {
  const bad = answers
    .map((a) => ({ a, faults: [...problemFaults(a), ...documentFaults(a)] }))
    .filter((x) => x.faults.length > 0)
    .slice(0, 10)
    .map(({ a, faults }) => describeAnswer(a, faults));
  if (bad.length > 0) throw new Error(`bad answers:\n${bad.join('\n')}`);
}

/** A problem body without what differs per answer (ticket, trace id, the path itself). */
export function problemShape(answer: Answer) {
  const { errorTicket, traceId, instance, ...rest } = answer.json as Record<string, unknown>;
  return {
    status: answer.status,
    type: answer.headers.get('content-type'),
    authenticate: answer.headers.get('www-authenticate'),
    body: rest,
    hasTicket:
      typeof errorTicket === 'string' &&
      typeof traceId === 'string' &&
      typeof instance === 'string',
  };
}
