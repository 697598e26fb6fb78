import type { Credential } from './credential.ts';
import { ClientError, EXIT, TransientError } from './errors.ts';
import { urlOf } from './service-url.ts';

// A thin fetch wrapper: every answer comes back as status + headers + parsed body, except
// network failures and 503s, which throw TransientError so callers can retry them. Requests go
// to the --url origin only: the API key is never sent anywhere an answer points to.

const REQUEST_TIMEOUT_MS = 60_000;

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface ApiClient {
  readonly baseUrl: string;
  request(method: string, path: string, options?: RequestOptions): Promise<ApiAnswer>;
}

export function createApiClient(baseUrl: string, credential: Credential | string): ApiClient {
  const current = typeof credential === 'string' ? async () => credential : credential;
  return {
    baseUrl,
    async request(method, path, options = {}) {
      const url = urlOf(baseUrl, path);
      const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      let response: Response;
      const bearer = await current();
      try {
        response = await fetch(url, {
          method,
          // The service never redirects; following one would take the key along to its target.
          redirect: 'manual',
          headers: {
            authorization: `Bearer ${bearer}`,
            accept: 'application/json',
            ...(options.body !== undefined && { 'content-type': 'application/json' }),
            ...options.headers,
          },
          ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
          signal,
        });
      } catch (err) {
        if (options.signal?.aborted) throw err;
        throw new TransientError(`cannot reach ${baseUrl}: ${networkReason(err)}`);
      }
      const text = await response.text().catch(() => '');
      const answer = { status: response.status, headers: response.headers, body: parseBody(text) };
      if (response.status === 503) {
        throw new TransientError(
          `the service is unavailable (503): ${problemOf(answer).detail}`,
          retryAfterMs(response.headers),
        );
      }
      return answer;
    },
  };
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if ((err as Error).name === 'TimeoutError') return `no answer in ${REQUEST_TIMEOUT_MS / 1000} s`;
  return cause?.message ?? (err as Error).message;
}

export interface ProblemSummary {
  errorCode: string;
  detail: string;
}

/** The RFC 9457 fields the client reports; tolerant of bodies that are not problems. */
export function problemOf(answer: ApiAnswer): ProblemSummary {
  const body = (typeof answer.body === 'object' && answer.body) || {};
  const { errorCode, detail, title } = body as Record<string, unknown>;
  return {
    errorCode: typeof errorCode === 'string' ? errorCode : `HTTP_${answer.status}`,
    detail:
      typeof detail === 'string'
        ? detail
        : typeof title === 'string'
          ? title
          : typeof answer.body === 'string'
            ? answer.body.slice(0, 200)
            : 'no detail',
  };
}

/** `Retry-After` in delta-seconds (the service's form), as milliseconds. */
export function retryAfterMs(headers: Headers): number | undefined {
  const raw = headers.get('retry-after');
  if (raw === null) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** A refusal the client cannot fix by trying again: one line, exit code 4 (2 for a 400). */
export function refusal(what: string, answer: ApiAnswer): ClientError {
  const { errorCode, detail } = problemOf(answer);
  const location = answer.headers.get('location');
  const hint =
    answer.status === 401
      ? ' (check the API key or token: OCN_API_KEY, OCN_TOKEN, --key-file, --token-file)'
      : answer.status >= 300 && answer.status < 400
        ? ` (a redirect to ${location ?? 'nowhere'}: the client follows none; set --url to the service itself)`
        : answer.status === 404
          ? ' (check --url)'
          : errorCode === 'INVALID_TELEPHONE_NUMBERS'
            ? ' (the service checks numbers more strictly: set PHONE_VALIDATION as it does)'
            : '';
  return new ClientError(
    answer.status === 400 ? EXIT.invalidInput : EXIT.service,
    `${what}: the service answered ${answer.status} ${errorCode}: ${detail}${hint}`,
  );
}
