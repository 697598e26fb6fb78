import { isIP } from 'node:net';
import { z } from 'zod';

// TRUST_PROXY: which proxies may tell us the client's address (X-Forwarded-For). Never "all":
// trusting every hop lets any client pick its own address and so escape per-client limits.
// Fastify's `trustProxy` takes a hop count or a list of addresses/CIDRs, which is what we pass.

const PROXY_ADDR_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrCidr(entry: string): boolean {
  if (PROXY_ADDR_NAMES.has(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

export type TrustProxySetting = false | number | string[];

export const TrustProxy = z
  .string()
  .default('false')
  .transform((raw, ctx): TrustProxySetting => {
    const value = raw.trim();
    if (value === 'false' || value === '0') return false;
    if (value === 'true') {
      ctx.addIssue({
        code: 'custom',
        message:
          'true would trust every hop, so any client could set its own address; give the ' +
          'number of proxies in front of the service (e.g. 1) or their addresses/CIDRs ' +
          '(e.g. 10.0.0.0/8,127.0.0.1)',
      });
      return z.NEVER;
    }
    if (/^\d+$/.test(value)) return Number(value);
    const entries = value.split(',').map((e) => e.trim());
    const bad = entries.filter((e) => !isAddressOrCidr(e));
    if (bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `not a hop count nor a list of IP addresses/CIDRs (bad: ${bad.join(', ')})`,
      });
      return z.NEVER;
    }
    return entries;
  });

/**
 * The setting as Fastify's `trustProxy`. Fastify 5.12 ignores a bare hop count (it fails
 * closed), so a count becomes the same rule proxy-addr applies to one: trust the first N hops.
 * A count is only safe when the service cannot be reached around those proxies.
 */
export function fastifyTrustProxy(
  setting: TrustProxySetting,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return setting;
}
