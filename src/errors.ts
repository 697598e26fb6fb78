// Errors arrive wrapped: Drizzle wraps the postgres.js error (whose message is the whole SQL
// text) in a DrizzleQueryError, BullMQ and our own code add `cause`s. Whoever needs the
// SQLSTATE, a constraint name or a short description walks the chain with this one helper.

const MAX_DEPTH = 5;

/** The error and its causes, outermost first (at most five, in case of a cycle). */
export function errorChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = err; e && chain.length < MAX_DEPTH; e = (e as { cause?: unknown }).cause) {
    chain.push(e);
  }
  return chain;
}

/** The first string `code` in the chain: a SQLSTATE or a client error code. */
export function errorCode(err: unknown): string | undefined {
  for (const e of errorChain(err)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * A short description for the jobs row: the innermost cause's message and code (Drizzle's
 * wrapper message carries the whole SQL text).
 */
export function describeError(err: unknown): string {
  const inner = errorChain(err).at(-1) ?? err;
  const message = inner instanceof Error ? inner.message : String(inner);
  const code = (inner as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? `${message} (${code})` : message;
}
