import path from 'node:path';
import { Eta } from 'eta';
import type { FastifyReply, FastifyRequest } from 'fastify';

// Pages are Eta templates (src/console/views). Eta escapes every `<%= %>` interpolation (its
// default, autoEscape); the only raw output (`<%~ %>`) is a page body or partial rendered by
// Eta itself.
const eta = new Eta({
  views: path.join(import.meta.dirname, 'views'),
  cache: true,
  autoEscape: true,
  autoTrim: [false, 'nl'],
});

export type PageData = Record<string, unknown> & { title: string };

/** Renders `view` as a whole page (with the layout), or alone for an htmx fragment. */
export async function renderPage(
  request: FastifyRequest,
  reply: FastifyReply,
  view: string,
  data: PageData,
) {
  // A CSRF token for the forms of a signed-in page and for the sign-in form; error pages outside
  // both (an unknown path) get none.
  const needsToken =
    typeof reply.generateCsrf === 'function' && (request.principal || view === 'sign-in');
  // `secure` applies to the sign-in form's cookie (csrf.ts); signed-in pages ignore it.
  const csrf = needsToken
    ? await reply.generateCsrf({ secure: request.protocol === 'https' })
    : undefined;
  const html = eta.render(view, { ...data, csrf, principal: request.principal });
  return reply.type('text/html; charset=utf-8').send(html);
}

/** Renders a fragment without the layout (htmx swaps). */
export function renderFragment(reply: FastifyReply, view: string, data: Record<string, unknown>) {
  return reply.type('text/html; charset=utf-8').send(eta.render(view, data));
}
