import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

// Which addresses a webhook may reach: public unicast only. ipaddr.js (maintained, used by
// Express' proxy-addr) names the range of an address; everything but `unicast` — loopback,
// private, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast,
// unspecified, reserved, documentation, unique-local, 6to4/Teredo tunnels — is refused.
// IPv4-mapped IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it carries.

export class TargetNotAllowedError extends Error {
  override name = 'TargetNotAllowedError';
}

/** The range ipaddr.js gives `address`, or `invalid`. */
export function addressRange(address: string): string {
  if (!ipaddr.isValid(address)) return 'invalid';
  return ipaddr.process(address).range();
}

export const isPublicAddress = (address: string) => addressRange(address) === 'unicast';

/** `[::1]` → `::1`: URL hostnames keep the brackets of an IPv6 literal. */
export const bareHost = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * Every address `hostname` resolves to (itself, for an IP literal), each checked: one that is
 * not public refuses the whole name, so no answer of a round-robin can reach an internal host.
 */
export async function publicAddresses(
  hostname: string,
): Promise<{ address: string; family: number }[]> {
  const host = bareHost(hostname);
  const resolved = isIP(host)
    ? [{ address: host, family: isIP(host) }]
    : await lookup(host, { all: true, verbatim: true }).catch(() => {
        throw new TargetNotAllowedError(`${host} does not resolve`);
      });
  if (resolved.length === 0) throw new TargetNotAllowedError(`${host} does not resolve`);
  for (const { address } of resolved) {
    const range = addressRange(address);
    if (range !== 'unicast') {
      throw new TargetNotAllowedError(`${host} resolves to ${address}, a ${range} address`);
    }
  }
  return resolved;
}
