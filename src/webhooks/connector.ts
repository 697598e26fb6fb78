import { isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { bareHost, publicAddresses } from './addresses.ts';
import { ATTEMPT_TIMEOUT_MS } from './events.ts';

// The delivery's HTTP client: an undici Agent whose connector resolves the endpoint's name
// itself, checks every address (addresses.ts), and then connects to the checked address —
// never to a fresh resolution — with TLS still verifying the certificate for the name (SNI and
// identity use the original host). A name that resolved to a public address at registration
// and to 127.0.0.1 now (DNS rebinding) is refused here, before any byte is sent.

const SAFETY_NET_MS = 5_000;

export interface DeliveryAgentOptions {
  /** WEBHOOK_ALLOW_PRIVATE_TARGETS: connect wherever the name resolves. */
  allowPrivate: boolean;
}

export function createDeliveryAgent(options: DeliveryAgentOptions): Agent {
  const connect = buildConnector({ timeout: ATTEMPT_TIMEOUT_MS });
  const checked: buildConnector.connector = (opts, callback) => {
    if (options.allowPrivate) {
      connect(opts, callback);
      return;
    }
    publicAddresses(opts.hostname).then(
      (addresses) => {
        const [first] = addresses;
        if (!first) throw new Error('no address');
        const name = bareHost(opts.hostname);
        connect(
          {
            ...opts,
            hostname: first.address,
            // The certificate is checked for the name, not the address we connect to.
            servername: opts.servername ?? (isIP(name) ? undefined : name),
          },
          callback,
        );
      },
      (err: Error) => callback(err, null),
    );
  };
  return new Agent({
    connect: checked,
    // One endpoint's connections never starve another's: undici pools per origin.
    connections: 8,
    keepAliveTimeout: 10_000,
    // The attempt's own abort signal (send.ts) is its clock. undici's timers run on a coarse
    // tick that can fire up to half a second early, so at the same 15 s they raced the signal
    // and the delivery log read "Headers Timeout Error" or "no answer within 15 s" by chance;
    // behind the signal they are only a safety net.
    headersTimeout: ATTEMPT_TIMEOUT_MS + SAFETY_NET_MS,
    bodyTimeout: ATTEMPT_TIMEOUT_MS + SAFETY_NET_MS,
  });
}
