import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

// A device cookie (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a browser
// that once logged in with the admin password gets a signed cookie. While its address's failure
// budget is spent (or cannot be counted), the password is checked only for such a browser, so
// the people who know the password are not locked out by others' failures behind the same
// address, and a guesser, who has no such cookie, learns nothing more.
//
// The signing key is derived from the configured credentials: every instance derives the same
// one, and changing the password voids every cookie issued for the old one.

const COOKIE = 'ocn_admin_device';
const MAX_AGE_S = 30 * 24 * 60 * 60;

export interface DeviceCookies {
  /** Whether the request carries an unexpired cookie issued for these credentials. */
  isKnown(request: FastifyRequest): boolean;
  /** The Set-Cookie value of a new cookie (after a successful password login). */
  issue(request: FastifyRequest): string;
}

export function createDeviceCookies(credentials: { user: string; password: string }) {
  const key = Buffer.from(
    hkdfSync('sha256', credentials.password, credentials.user, 'oc-numbers admin device', 32),
  );
  const sign = (expiresS: string) => createHmac('sha256', key).update(expiresS).digest();
  return {
    isKnown(request) {
      const value = cookieValue(request.headers.cookie, COOKIE);
      const match = value && /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
      if (!match?.[1] || !match[2]) return false;
      if (Number(match[1]) * 1000 < Date.now()) return false;
      return timingSafeEqual(Buffer.from(match[2], 'base64url'), sign(match[1]));
    },
    issue(request) {
      const expiresS = String(Math.floor(Date.now() / 1000) + MAX_AGE_S);
      const value = `${expiresS}.${sign(expiresS).toString('base64url')}`;
      const secure = request.protocol === 'https' ? '; Secure' : '';
      return `${COOKIE}=${value}; Max-Age=${MAX_AGE_S}; Path=/; HttpOnly; SameSite=Strict${secure}`;
    },
  } satisfies DeviceCookies;
}

/** The value of the cookie `name` in a Cookie header (RFC 6265 §5.4: `a=1; b=2`). */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
