import type { FastifyReply, FastifyRequest } from 'fastify';
import Negotiator from 'negotiator';
import { HttpProblem } from './problem.ts';

/**
 * The media type to answer with, chosen from `offered` (preferred first) by the request's
 * Accept field, q-values included (RFC 9110 §12.5.1); no Accept field means the first offer.
 * Sets `Vary: Accept`, since the answer depends on it. Nothing acceptable → 406.
 */
export function negotiateMediaType<T extends string>(
  request: FastifyRequest,
  reply: FastifyReply,
  offered: readonly [T, ...T[]],
): T {
  reply.header('vary', 'Accept');
  const accept = request.headers.accept;
  const chosen = new Negotiator({ headers: { accept } }).mediaType([...offered]) as T | undefined;
  if (chosen === undefined) {
    throw new HttpProblem(406, 'NOT_ACCEPTABLE', `Acceptable media types: ${offered.join(', ')}`);
  }
  return chosen;
}
