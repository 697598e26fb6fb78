// Probes and scrapes every few seconds would bury the requests that matter: no span for them
// (sdk.ts tells @fastify/otel), and their log lines carry a trace id of their own as with
// tracing off (api/app.ts).
const UNTRACED_PATHS = ['/metrics', '/health/live', '/health/ready', '/admin/queues'];

/** Whether a request to `url` (query string allowed) is left out of tracing. */
export function untracedPath(url: string): boolean {
  const path = url.split('?', 1)[0] ?? url;
  return UNTRACED_PATHS.some((untraced) => path === untraced || path.startsWith(`${untraced}/`));
}
