// Response headers the generated OpenAPI document cannot learn from the zod schemas: the IETF
// RateLimit fields (draft-ietf-httpapi-ratelimit-headers-10) the action endpoints and the read
// routes (their budgets) send on every answer and the auth-failure budget sends on every 401,
// and Retry-After where it is sent.

type Responses = Record<string, { headers?: Record<string, unknown> }>;
type Paths = Record<string, Record<string, { responses?: Responses }>>;

const RATE_LIMIT_HEADERS = {
  RateLimit: {
    description:
      'Remaining quota and seconds to the reset, per policy (`global`, `operator` on actions; `reads` on reads; `auth-failures` on 401): `"<policy>";r=<remaining>;t=<seconds>, …`',
    schema: { type: 'string', maxLength: 200 },
  },
  'RateLimit-Policy': {
    description:
      'The quota policies (`global`, `operator` on actions; `reads` on reads; `auth-failures` on 401): `"<policy>";q=<requests>;w=<window seconds>, …`',
    schema: { type: 'string', maxLength: 200 },
  },
};
const RETRY_AFTER = {
  'Retry-After': {
    description: 'Seconds to wait before retrying (or polling)',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 86400 },
  },
};

/** Adds the headers to the document in place; returns it. */
export function documentResponseHeaders<T extends { paths?: unknown }>(
  document: T,
  rateLimitedPaths: readonly string[],
): T {
  const paths = (document.paths ?? {}) as Paths;
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const read = method === 'get' && path.startsWith('/api/');
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const limited =
          ((rateLimitedPaths.includes(path) || read) && /^[24]/.test(status)) ||
          (status === '401' && path.startsWith('/api/'));
        const retry = ['202', '429', '503'].includes(status);
        if (!limited && !retry) continue;
        response.headers = {
          ...response.headers,
          ...(limited && RATE_LIMIT_HEADERS),
          ...(retry && RETRY_AFTER),
        };
      }
    }
  }
  return document;
}
