import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { loggedProblem } from '../api/http/error-handler.ts';
import { renderPage } from './render.ts';

// Errors in the console are pages: the same mapping as the API's problem details
// (toHttpProblem: status, code, a 5xx never shows its internals) and the same error ticket in
// the page and the log line, so support can find one from the other. Never a stack.

const TITLES: Readonly<Record<number, string>> = {
  401: 'Not signed in',
  403: 'Not allowed',
  404: 'Not found',
  429: 'Too many requests',
  503: 'Unavailable',
};

const CSRF_CODES = new Set(['FST_CSRF_INVALID_TOKEN', 'FST_CSRF_MISSING_SECRET']);

export async function renderErrorPage(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  // The page shows no extension members: only the detail and the ticket.
  const { problem, body } = loggedProblem(err, request, 'console request');
  const csrf = CSRF_CODES.has((err as Partial<FastifyError>).code ?? '');
  const detail = csrf
    ? 'The form was out of date or did not come from this console. Go back, reload the page and try again.'
    : body.detail;
  reply.code(problem.status).headers(problem.headers);
  return renderPage(request, reply, 'error', {
    title: TITLES[problem.status] ?? (problem.status >= 500 ? 'Something went wrong' : 'Refused'),
    status: problem.status,
    detail,
    errorTicket: body.errorTicket,
    retryAfter: problem.headers['retry-after'],
  });
}
