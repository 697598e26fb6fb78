import { timingSafeEqual } from 'node:crypto';

// HTTP Basic credentials (RFC 7617) of the admin surfaces, compared in constant time.

/** Whether the header carries Basic credentials at all (checked or not). */
export const isBasic = (header: string | undefined) => /^Basic[ ]/i.test(header ?? '');

export function basicMatches(
  header: string | undefined,
  expected: { user: string; password: string },
): boolean {
  const match = /^Basic[ ]+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  // Both compared, always, so the time taken tells nothing about which one was wrong.
  const userOk = safeEqual(decoded.slice(0, colon), expected.user);
  const passwordOk = safeEqual(decoded.slice(colon + 1), expected.password);
  return userOk && passwordOk;
}

function safeEqual(actual: string, expected: string): boolean {
  const a = Buffer.from(actual);
  const b = Buffer.from(expected);
  // Compare against itself on a length mismatch so the work done does not depend on it.
  return timingSafeEqual(a.length === b.length ? a : b, b) && a.length === b.length;
}
