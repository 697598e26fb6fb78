import type { ClientIo } from '../client/io.ts';
import type { CliContext } from '../context.ts';

// What the bulk client's commands share: their connection options, their view of the
// process, and Ctrl-C turned into an AbortSignal.

export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  'key-file': { type: 'string' },
  'token-file': { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const CONNECTION_HELP = `  --url <base>       the service (default $OCN_URL, else http://127.0.0.1:3000)
  --key-file <file>  read the API key from this file's first line (default: $OCN_API_KEY)
  --token-file <file>
                     or an OpenID Connect access token, read again before every request
                     so a refresher can rewrite it (default: $OCN_TOKEN)
  --json             print one JSON document on stdout`;

export function clientIo(ctx: CliContext): ClientIo {
  return {
    stdout: ctx.io.stdout,
    stderr: ctx.io.stderr,
    ...(ctx.io.stdin && { stdin: ctx.io.stdin }),
    env: ctx.env,
  };
}

/**
 * Runs `fn` with a signal aborted by the first Ctrl-C (SIGINT) or SIGTERM; a second Ctrl-C
 * exits at once with code 3.
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(3);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
