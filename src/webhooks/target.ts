import { publicAddresses, TargetNotAllowedError } from './addresses.ts';

// The registration-time rules of an endpoint's URL (docs/api.md "Webhooks"). The same address rule is applied
// again at every delivery on the address actually connected to (connector.ts), so a name that
// later resolves elsewhere (DNS rebinding) still reaches nothing internal.

export interface TargetRules {
  /** WEBHOOK_ALLOW_PRIVATE_TARGETS: http and any address (closed networks, tests). */
  allowPrivate: boolean;
}

/** Throws TargetNotAllowedError saying why `url` may not be an endpoint. */
export async function checkTargetUrl(url: string, rules: TargetRules): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TargetNotAllowedError('not an absolute URL');
  }
  const schemes = rules.allowPrivate ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(parsed.protocol)) {
    throw new TargetNotAllowedError(
      `the scheme must be https, not ${parsed.protocol.slice(0, -1)}`,
    );
  }
  // Credentials in a URL end up in logs and in every request line: refused.
  if (parsed.username || parsed.password) {
    throw new TargetNotAllowedError('a URL with user information is not allowed');
  }
  if (parsed.hash) throw new TargetNotAllowedError('a URL with a fragment is not allowed');
  if (rules.allowPrivate) return;
  await publicAddresses(parsed.hostname);
}
