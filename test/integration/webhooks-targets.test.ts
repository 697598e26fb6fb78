import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import { createDeliveryAgent } from '../../src/webhooks/connector.ts';
import { postMessage } from '../../src/webhooks/send.ts';
import { checkTargetUrl } from '../../src/webhooks/target.ts';
import { useWebhookReceiver } from '../support/webhook-receiver.ts';

// The address rule at delivery time, on the address actually connected to: a URL that passed
// registration (or was registered with the flag) but now resolves inward — DNS rebinding —
// is refused by the delivery agent before a byte is sent. A real receiver on 127.0.0.1 and a
// real name (`localhost`) that resolves to it.

const receiver = useWebhookReceiver();

const port = () => new URL(receiver.url('/')).port;
const message = (url: string) => ({ url, body: '{}', headers: { 'webhook-id': 'x' } });

describe('the delivery agent', () => {
  it('refuses to connect to loopback, by name or by address, and sends nothing', async () => {
    const agent = createDeliveryAgent({ allowPrivate: false });
    try {
      for (const url of [
        `http://localhost:${port()}/rebound`,
        `http://127.0.0.1:${port()}/rebound`,
        `http://[::1]:${port()}/rebound`,
      ]) {
        const answer = await postMessage(agent, message(url), 5000);
        expect(answer.kind, url).toBe('no-answer');
        expect(answer.kind === 'no-answer' && answer.error, url).toMatch(/loopback address/);
      }
      expect(receiver.calls('/rebound')).toEqual([]);
    } finally {
      await agent.close();
    }
  });

  it('connects to the same receiver when private targets are allowed', async () => {
    const agent = createDeliveryAgent({ allowPrivate: true });
    try {
      const answer = await postMessage(agent, message(`http://localhost:${port()}/allowed`), 5000);
      expect(answer).toEqual({ kind: 'answered', status: 204, retryAfterMs: undefined });
      expect(receiver.calls('/allowed')).toHaveLength(1);
    } finally {
      await agent.close();
    }
  });

  it('does not follow a redirect', async () => {
    receiver.script('/moved', () => ({
      status: 307,
      headers: { location: receiver.url('/elsewhere') },
    }));
    const agent = createDeliveryAgent({ allowPrivate: true });
    try {
      const answer = await postMessage(agent, message(receiver.url('/moved')), 5000);
      expect(answer).toMatchObject({ kind: 'answered', status: 307 });
      expect(receiver.calls('/elsewhere')).toEqual([]);
    } finally {
      await agent.close();
    }
  });

  it('logs a hanging endpoint as out of time, whichever clock runs out first', async () => {
    receiver.script('/hang', () => 'hang');
    const delivery = createDeliveryAgent({ allowPrivate: true });
    // undici's header timer first, as its coarse tick can make it at the same timeout.
    const early = new Agent({ headersTimeout: 200 });
    try {
      expect(await postMessage(delivery, message(receiver.url('/hang')), 300)).toEqual({
        kind: 'no-answer',
        error: 'no answer within 0.3 s',
      });
      expect(await postMessage(early, message(receiver.url('/hang')), 5000)).toEqual({
        kind: 'no-answer',
        error: 'no answer within 5 s',
      });
    } finally {
      await Promise.all([delivery.destroy(), early.destroy()]);
    }
  });
});

describe('the registration rule', () => {
  it('refuses what resolves inward and takes public addresses', async () => {
    const rules = { allowPrivate: false };
    await expect(checkTargetUrl('https://localhost/x', rules)).rejects.toThrow(/127\.0\.0\.1|::1/);
    await expect(checkTargetUrl('https://[fe80::1]/x', rules)).rejects.toThrow(/linkLocal/);
    await expect(checkTargetUrl('https://224.0.0.1/x', rules)).rejects.toThrow(/multicast/);
    await expect(checkTargetUrl('https://0.0.0.0/x', rules)).rejects.toThrow(/unspecified/);
    await expect(checkTargetUrl('https://no-such-host.invalid/x', rules)).rejects.toThrow(
      /does not resolve/,
    );
    await expect(checkTargetUrl('https://93.184.215.14/x', rules)).resolves.toBeUndefined();
    await expect(
      checkTargetUrl('https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/x', rules),
    ).resolves.toBeUndefined();
    await expect(
      checkTargetUrl('http://127.0.0.1/x', { allowPrivate: true }),
    ).resolves.toBeUndefined();
  });
});
