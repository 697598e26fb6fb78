import Negotiator from 'negotiator';
import { HttpProblem } from './problem.ts';

// Content negotiation on Accept (q-values, wildcards and specificity, by `negotiator`). The
// first offered type is the default: it is what a missing Accept or `*/*` gets.

/** The offered media type the client prefers; 406 when it accepts none of them. */
export function negotiateMediaType<const T extends readonly [string, ...string[]]>(
  headers: { accept?: string | undefined },
  offered: T,
): T[number] {
  const chosen = new Negotiator({ headers }).mediaType(offered);
  if (chosen === undefined) {
    throw new HttpProblem(406, 'NOT_ACCEPTABLE', `Acceptable media types: ${offered.join(', ')}`);
  }
  return chosen as T[number];
}
