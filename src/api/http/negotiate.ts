import type { FastifyReply, FastifyRequest } from 'fastify';
import Negotiator from 'negotiator';
import { HttpProblem } from './problem.ts';

// Content negotiation on Accept (q-values, wildcards and specificity, by `negotiator`). The
// first offered type is the default: it is what a missing Accept or `*/*` gets.

/**
 * The offered media type the client prefers; 406 when it accepts none of them. Sets
 * `Vary: Accept`, since the answer (even a 406) depends on that field.
 */
export function negotiateMediaType<const T extends readonly [string, ...string[]]>(
  request: Pick<FastifyRequest, 'headers'>,
  reply: Pick<FastifyReply, 'header'>,
  offered: T,
): T[number] {
  reply.header('vary', 'Accept');
  const chosen = new Negotiator({ headers: { accept: request.headers.accept } }).mediaType(offered);
  if (chosen === undefined) {
    throw new HttpProblem(406, 'NOT_ACCEPTABLE', `Acceptable media types: ${offered.join(', ')}`);
  }
  return chosen as T[number];
}
