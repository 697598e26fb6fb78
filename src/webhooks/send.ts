import { type Agent, request } from 'undici';
import { describeError } from '../errors.ts';

// One attempt on the wire: POST the body with its signed headers through the checking agent
// (connector.ts). Redirects are not followed (undici's request never does without its redirect
// interceptor): a 3xx is an answer like any other non-2xx, so a receiver cannot bounce a
// message to another host. The answer's body is drained, bounded, and never read.

export type AttemptAnswer =
  | { kind: 'answered'; status: number; retryAfterMs: number | undefined }
  | { kind: 'no-answer'; error: string };

const MAX_ANSWER_BYTES = 64 * 1024;

export async function postMessage(
  agent: Agent,
  target: { url: string; body: string; headers: Record<string, string> },
  timeoutMs: number,
): Promise<AttemptAnswer> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const answer = await request(target.url, {
      method: 'POST',
      dispatcher: agent,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'oc-numbers-webhooks/1',
        ...target.headers,
      },
      body: target.body,
      signal,
    });
    await answer.body.dump({ limit: MAX_ANSWER_BYTES }).catch(() => {});
    const retryAfter = answer.headers['retry-after'];
    return {
      kind: 'answered',
      status: answer.statusCode,
      retryAfterMs: retryAfterMs(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
    };
  } catch (err) {
    if (signal.aborted || isUndiciTimeout(err))
      return { kind: 'no-answer', error: `no answer within ${timeoutMs / 1000} s` };
    return { kind: 'no-answer', error: describeError(err).slice(0, 500) };
  }
}

// undici's own header and body timers stand behind the signal (connector.ts); should one still
// fire first, the attempt ran out of time all the same and is logged as such.
function isUndiciTimeout(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}

/** Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3); undefined if neither. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An IMF-fixdate starts with its day name ("Sun, 06 Nov 1994 08:49:37 GMT"); Date.parse
  // alone would take "-5" for a year.
  if (!/^[A-Za-z]{3}, /.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
