import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.ts';

/**
 * With TRUST_PROXY unset, a service behind a proxy sees one address for every caller: the
 * proxy's. Every client then shares one failed-authentication budget and one log address. The
 * first request that arrives with X-Forwarded-For says so, once per process.
 */
export function warnIfForwardedUntrusted(app: FastifyInstance, config: Pick<Config, 'trustProxy'>) {
  if (config.trustProxy !== false) return;
  let warned = false;
  app.addHook('onRequest', async (request) => {
    if (warned || request.headers['x-forwarded-for'] === undefined) return;
    warned = true;
    request.log.warn(
      { remoteAddress: request.ip },
      'requests carry X-Forwarded-For but TRUST_PROXY is unset: every client behind the proxy shares its address (and one failed-authentication budget); set TRUST_PROXY to the proxy addresses or hop count (docs/operations.md)',
    );
  });
}
