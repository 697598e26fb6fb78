import { ADMIN_REALM } from '../auth/admin.ts';

// Response headers in the OpenAPI document. Neither @fastify/swagger nor the zod type provider
// can document them for responses with content, so each route names the headers it sends in
// its schema (`x-response-headers`, with `operatorResponseHeaders()`), and
// `documentResponseHeaders` writes them into the document with the ones every route shares:
// the RateLimit fields (draft-ietf-httpapi-ratelimit-headers-10) of a failed authentication
// (401) and of a spent budget (429), WWW-Authenticate on 401, and Retry-After on 429 and 503.

const RESPONSE_HEADERS_EXTENSION = 'x-response-headers';

type Presence = 'required' | 'optional';
type HeaderUses = Partial<Record<HeaderName, Presence>>;
/**
 * Per status (or `all` of them): the headers a route sends, and whether every answer of that
 * status has them.
 */
export type ResponseHeaderUses = Partial<Record<number | 'all', HeaderUses>>;

declare module 'fastify' {
  interface FastifySchema {
    [RESPONSE_HEADERS_EXTENSION]?: ResponseHeaderUses;
  }
}

const policyList = (member: string) =>
  `^"[a-z-]+";${member}=\\d+;[tw]=\\d+(, "[a-z-]+";${member}=\\d+;[tw]=\\d+)*$`;

const HEADERS = {
  Location: {
    description: 'The job to poll',
    schema: { type: 'string', maxLength: 200, pattern: '^/api/v3/oc/numbers/jobs/[0-9a-f-]{36}$' },
  },
  'Preference-Applied': {
    description:
      'The `Prefer` preferences honoured (RFC 7240): `respond-async`, or the wait applied',
    schema: { type: 'string', maxLength: 50, pattern: '^(respond-async|wait=\\d+)$' },
  },
  'Idempotent-Replayed': {
    description: "The answer is the first request's job (same Idempotency-Key and body)",
    schema: { type: 'string', enum: ['true'] },
  },
  'Retry-After': {
    // A spent budget's answer runs to the end of its window, which RATE_LIMIT_WINDOW_MS sets.
    description: 'Seconds to wait before retrying (or polling)',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 2_147_483_647 },
  },
  Link: {
    description: 'The next page (RFC 8288), while there is one',
    schema: { type: 'string', maxLength: 1000, pattern: '^<[^>]+>; rel="next"$' },
  },
  Vary: {
    description: 'The answer depends on Accept',
    schema: { type: 'string', enum: ['Accept'] },
  },
  'Content-Disposition': {
    description: 'With text/csv: a download, and its file name',
    schema: { type: 'string', maxLength: 200, pattern: '^attachment; filename="[^"]+"$' },
  },
  'WWW-Authenticate': {
    description:
      'The credentials to send: an API key or an OpenID Connect access token (Bearer) on the operator API, with error="invalid_token" when the one sent was refused (RFC 6750); an admin key or token, or the Basic credentials, on the admin surfaces',
    schema: {
      type: 'string',
      enum: [
        'Bearer',
        'Bearer error="invalid_token"',
        `Basic realm="${ADMIN_REALM}", charset="UTF-8"`,
      ],
    },
  },
  RateLimit: {
    description:
      'Remaining quota and seconds to the reset, per policy (`global` and `operator` of an operation, `auth-failures` of a client, the operator read budget): `"<policy>";r=<remaining>;t=<seconds>, …`',
    schema: { type: 'string', maxLength: 200, pattern: policyList('r') },
  },
  'RateLimit-Policy': {
    description: 'The quota policies: `"<policy>";q=<requests>;w=<window seconds>, …`',
    schema: { type: 'string', maxLength: 200, pattern: policyList('q') },
  },
} as const;

export type HeaderName = keyof typeof HEADERS;

/** Route schema member: the headers the route sends per status. */
const responseHeaders = (uses: ResponseHeaderUses) => ({
  [RESPONSE_HEADERS_EXTENSION]: uses,
});

const RATE_LIMITED: HeaderUses = { RateLimit: 'required', 'RateLimit-Policy': 'required' };

/** What every route sends per status, before the route's own. */
function sharedUses(status: string): HeaderUses {
  if (status === '401') return { ...RATE_LIMITED, 'WWW-Authenticate': 'required' };
  if (status === '429') return { ...RATE_LIMITED, 'Retry-After': 'required' };
  if (status === '503') return { 'Retry-After': 'required' };
  return {};
}

type Operation = {
  responses?: Record<string, { headers?: Record<string, unknown> }>;
  [RESPONSE_HEADERS_EXTENSION]?: ResponseHeaderUses;
};

/** Writes every operation's response headers into the document (in place); returns it. */
export function documentResponseHeaders<T extends { paths?: unknown }>(document: T): T {
  const paths = (document.paths ?? {}) as Record<string, Record<string, Operation>>;
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      const own = operation[RESPONSE_HEADERS_EXTENSION] ?? {};
      delete operation[RESPONSE_HEADERS_EXTENSION];
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const uses = { ...own.all, ...sharedUses(status), ...own[Number(status)] };
        const entries = Object.entries(uses).map(([name, presence]) => {
          const header = HEADERS[name as HeaderName];
          return [name, { ...header, required: presence === 'required' }] as const;
        });
        if (entries.length > 0) response.headers = Object.fromEntries(entries);
      }
    }
  }
  return document;
}

/**
 * The operator routes: any answer may carry the RateLimit fields of a budget (an operation's, or
 * the operator's read budget), and `uses` says what else.
 */
export const operatorResponseHeaders = (uses: ResponseHeaderUses = {}) =>
  responseHeaders({
    ...uses,
    all: { RateLimit: 'optional', 'RateLimit-Policy': 'optional', ...uses.all },
  });

/**
 * The admin surfaces (/metrics): a request without credentials gets the challenge and spends
 * no budget, so its 401 carries no RateLimit fields; a failed one does.
 */
export const adminResponseHeaders = () =>
  responseHeaders({ 401: { RateLimit: 'optional', 'RateLimit-Policy': 'optional' } });

/**
 * The routes that offer JSON or CSV (negotiate.ts): Vary on every answer from the negotiation
 * on (the handler's), and a file name with CSV.
 */
const VARY = { Vary: 'optional' } as const;
export const NEGOTIATED = {
  200: { Vary: 'required', 'Content-Disposition': 'optional' },
  406: { Vary: 'required' },
  400: VARY,
  404: VARY,
  429: VARY,
  500: VARY,
  503: VARY,
} as const satisfies ResponseHeaderUses;
