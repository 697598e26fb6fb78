import { describe, expect, it } from 'vitest';
import { bearer, useApiSuite } from '../support/app.ts';
import { createTenant } from '../support/factories.ts';

// The webhook endpoint resource (docs/api.md, "Webhooks") without the allow flag: the target
// rules as production has them, isolation, limits and bad input. No worker: nothing is sent.

const PATH = '/api/v3/oc/webhooks';
// A public address literal: allowed without any DNS lookup.
const PUBLIC_URL = 'https://93.184.215.14/hooks/oc';

const suite = useApiSuite('webhooks-api', {}, { worker: false });

const send = (
  method: 'POST' | 'PATCH' | 'DELETE' | 'GET',
  url: string,
  payload?: object,
  auth = suite.auth,
) => suite.api.app.inject({ method, url, headers: auth, ...(payload && { payload }) });

describe('the endpoint resource', () => {
  it('creates with a secret shown once, lists, gets, patches, rotates and deletes', async () => {
    const created = await send('POST', PATH, { url: PUBLIC_URL, description: 'ops' });
    expect(created.statusCode).toBe(201);
    const endpoint = created.json();
    expect(endpoint).toMatchObject({
      url: PUBLIC_URL,
      events: ['job.completed', 'job.failed', 'job.cancelled'],
      description: 'ops',
      enabled: true,
      disabledReason: null,
    });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const list = await send('GET', PATH);
    expect(list.statusCode).toBe(200);
    expect(list.headers.ratelimit).toMatch(/"reads"/);
    expect(list.json().data.map((e: { id: string }) => e.id)).toContain(endpoint.id);
    expect(list.body).not.toContain('whsec_');
    const one = await send('GET', `${PATH}/${endpoint.id}`);
    expect(one.json()).toEqual({ ...endpoint, secret: undefined, updatedAt: expect.any(String) });
    expect(one.body).not.toContain('whsec_');

    const patched = await send('PATCH', `${PATH}/${endpoint.id}`, {
      events: ['job.failed'],
      enabled: false,
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ events: ['job.failed'], enabled: false });

    const rotated = await send('POST', `${PATH}/${endpoint.id}/rotate-secret`);
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().secret).toMatch(/^whsec_/);
    expect(rotated.json().secret).not.toBe(endpoint.secret);

    const log = await send('GET', `${PATH}/${endpoint.id}/deliveries`);
    expect(log.statusCode).toBe(200);
    expect(log.json()).toEqual({ data: [], nextCursor: null });

    expect((await send('DELETE', `${PATH}/${endpoint.id}`)).statusCode).toBe(204);
    expect((await send('GET', `${PATH}/${endpoint.id}`)).statusCode).toBe(404);
    expect((await send('DELETE', `${PATH}/${endpoint.id}`)).statusCode).toBe(404);
  });

  it("answers 404 for another operator's endpoint, whatever the method", async () => {
    const mine = (await send('POST', PATH, { url: PUBLIC_URL })).json();
    const other = bearer((await createTenant(suite.t.db)).apiKey.key);
    for (const [method, url, body] of [
      ['GET', `${PATH}/${mine.id}`],
      ['PATCH', `${PATH}/${mine.id}`, { enabled: false }],
      ['POST', `${PATH}/${mine.id}/rotate-secret`],
      ['GET', `${PATH}/${mine.id}/deliveries`],
      ['DELETE', `${PATH}/${mine.id}`],
    ] as const) {
      const res = await send(method, url, body, other);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().errorCode).toBe('NOT_FOUND');
    }
    expect((await send('GET', PATH, undefined, other)).json().data).toEqual([]);
    expect((await send('GET', `${PATH}/${mine.id}`)).json().enabled).toBe(true);
    await send('DELETE', `${PATH}/${mine.id}`);
  });

  it('refuses loopback, private, link-local, http and names resolving inward (400, nothing created)', async () => {
    for (const url of [
      'http://127.0.0.1/hook',
      'http://93.184.215.14/hook',
      'https://127.0.0.1/hook',
      'https://10.0.0.1/hook',
      'https://[::1]/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[::ffff:127.0.0.1]/hook',
      'https://100.64.0.1/hook',
      'https://localhost/hook',
      'https://user:pass@93.184.215.14/hook',
      'not a url',
    ]) {
      const res = await send('POST', PATH, { url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().errorCode, url).toBe('WEBHOOK_URL_NOT_ALLOWED');
    }
    const patchTarget = (await send('POST', PATH, { url: PUBLIC_URL })).json();
    const patched = await send('PATCH', `${PATH}/${patchTarget.id}`, { url: 'https://10.1.2.3/' });
    expect(patched.json().errorCode).toBe('WEBHOOK_URL_NOT_ALLOWED');
    expect((await send('GET', `${PATH}/${patchTarget.id}`)).json().url).toBe(PUBLIC_URL);
    await send('DELETE', `${PATH}/${patchTarget.id}`);
    expect((await send('GET', PATH)).json().data).toEqual([]);
  });

  it('refuses an unknown event or property (400 INVALID_REQUEST)', async () => {
    for (const body of [
      { url: PUBLIC_URL, events: ['job.started'] },
      { url: PUBLIC_URL, events: [] },
      { url: PUBLIC_URL, secret: 'whsec_mine' },
      { events: ['job.completed'] },
    ]) {
      const res = await send('POST', PATH, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().errorCode).toBe('INVALID_REQUEST');
    }
    expect((await send('GET', PATH)).json().data).toEqual([]);
  });

  it('takes at most 10 endpoints per operator; the 11th is a 400 and creates nothing', async () => {
    const results = await Promise.all(
      Array.from({ length: 11 }, (_, i) => send('POST', PATH, { url: `${PUBLIC_URL}/${i}` })),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([...Array(10).fill(201), 400]);
    const refused = results.find((r) => r.statusCode === 400);
    expect(refused?.json().errorCode).toBe('WEBHOOK_LIMIT_REACHED');
    expect((await send('GET', PATH)).json().data).toHaveLength(10);
  });

  it('refuses a forged deliveries cursor', async () => {
    const list = (await send('GET', PATH)).json().data;
    const res = await send('GET', `${PATH}/${list[0].id}/deliveries?cursor=bm9wZQ`);
    expect(res.statusCode).toBe(400);
    expect(res.json().errorCode).toBe('INVALID_CURSOR');
  });
});
