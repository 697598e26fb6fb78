// IETF draft-ietf-httpapi-ratelimit-headers-10, as the service sends them:
//   RateLimit-Policy: "global";q=300;w=60, "operator";q=100;w=60
//   RateLimit:        "global";r=295;t=42, "operator";r=97;t=42
// Both are structured-field lists; every policy listed is a budget the next request must fit.

export interface PolicyState {
  policy: string;
  /** Requests left in the current window. */
  remaining: number;
  /** Seconds until the window resets (rounded up by the service). */
  resetS: number;
}

interface Member {
  name: string;
  params: Map<string, string>;
}

/** Splits a structured-field list into its members; commas inside quoted strings stay. */
function members(header: string): Member[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i] as string;
    if (c === '\\' && quoted) {
      current += c + (header[++i] ?? '');
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [item = '', ...params] = part.split(';').map((s) => s.trim());
      const name = item.replace(/^"(.*)"$/, '$1').replaceAll('\\"', '"');
      const map = new Map<string, string>();
      for (const param of params) {
        const [key, value = '?1'] = param.split('=');
        if (key) map.set(key.trim(), value.trim());
      }
      return { name, params: map };
    });
}

const nonNegativeInt = (raw: string | undefined) => {
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
};

/** Every policy the `RateLimit` header reports; members without r or t are ignored. */
export function parseRateLimit(header: string | null): PolicyState[] {
  if (!header) return [];
  const states: PolicyState[] = [];
  for (const member of members(header)) {
    const remaining = nonNegativeInt(member.params.get('r'));
    const resetS = nonNegativeInt(member.params.get('t'));
    if (remaining === undefined || resetS === undefined) continue;
    states.push({ policy: member.name, remaining, resetS });
  }
  return states;
}

/** Quota and window of every policy in `RateLimit-Policy` (for the report). */
export function parseRateLimitPolicy(header: string | null) {
  if (!header) return [];
  return members(header).flatMap((member) => {
    const quota = nonNegativeInt(member.params.get('q'));
    const windowS = nonNegativeInt(member.params.get('w'));
    return quota === undefined ? [] : [{ policy: member.name, quota, windowS }];
  });
}

/**
 * When the next request may start so that no listed budget runs out: each policy's remaining
 * requests spread evenly over the rest of its window (t / (r + 1) after this request
 * started), and with none left, the whole rest of the window counted from when the answer
 * arrived: the service rounds `t` up and measured it before answering, so that wait never
 * ends before the reset. The tightest policy wins.
 */
export function nextRequestAt(
  states: readonly PolicyState[],
  sentAt: number,
  receivedAt: number,
): number {
  let at = sentAt;
  for (const { remaining, resetS } of states) {
    const next =
      remaining === 0 ? receivedAt + resetS * 1000 : sentAt + (resetS * 1000) / (remaining + 1);
    at = Math.max(at, next);
  }
  return Math.ceil(at);
}
