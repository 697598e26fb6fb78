import type { FastifyReply, FastifyRequest } from 'fastify';

// The console's own headers, over the app-wide helmet defaults: nothing inline runs
// or applies (no 'unsafe-inline' anywhere: htmx and the stylesheet are files of this origin),
// no page may frame it, forms post only here, and links leak no path to other sites.
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export async function consoleSecurityHeaders(request: FastifyRequest, reply: FastifyReply) {
  reply.headers({
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'x-frame-options': 'DENY',
  });
  // Pages hold an operator's inventory: no cache keeps them. Assets may be cached.
  if (!request.url.startsWith('/console/assets/')) reply.header('cache-control', 'no-store');
}
