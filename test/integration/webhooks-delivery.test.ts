import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { useApiSuite } from '../support/app.ts';
import { waitFor } from '../support/wait.ts';
import { callsAtLeast, verified } from '../support/webhook-receiver.ts';
import { useDeliveringWorker, webhookTenant } from '../support/webhook-tenants.ts';

// Signed webhooks delivered for real (docs/api.md "Webhooks"): the real API and worker, a real
// receiver on 127.0.0.1 (hence the allow flag) verifying every message with the
// `standardwebhooks` package, as an operator's receiver would.

// The real first step (5 s); the later ones shortened so a third attempt fits in a test (the
// last one, the longest, bounds how long a Retry-After is honoured).
const SCHEDULE = [5000, 1500, 1500, 12_000];
const registry = new Registry();
const BOARD = { BULL_BOARD_USER: 'ops', BULL_BOARD_PASSWORD: 'board-pass' };
const suite = useApiSuite(
  'webhooks-delivery',
  { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', ...BOARD },
  { worker: false },
);
const receiver = useDeliveringWorker(suite, {
  metricsRegistry: registry,
  webhookSchedule: SCHEDULE,
});

const metric = async (name: string, label: string) =>
  (await registry.getSingleMetric(name)?.get())?.values.find((v) =>
    Object.values(v.labels).includes(label),
  )?.value ?? 0;
// The worker counts an outcome after its record commits, so the API can show the outcome a
// moment before the counter does.
const counted = (name: string, label: string, atLeast: number) =>
  waitFor(`${name}{${label}} to reach ${atLeast}`, async () => {
    const now = await metric(name, label);
    return now >= atLeast ? now : undefined;
  });

describe('a job that ends', () => {
  it('is told to its endpoint in a signed message the standardwebhooks package verifies', async () => {
    const op = await webhookTenant(suite);
    const { id, secret } = await op.endpoint(receiver, '/ok');
    const before = await metric('ocn_webhook_deliveries_total', 'succeeded');
    const { res, jobId, numbers } = await op.runJob(2);
    expect(res.statusCode).toBe(200);
    const call = await waitFor('the message', async () => receiver.calls('/ok')[0]);
    expect(call.headers['content-type']).toBe('application/json');
    expect(verified(call, secret)).toEqual({
      type: 'job.completed',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      data: {
        jobId,
        operation: 'ready-for-removal',
        state: 'completed',
        requestedCount: 2,
        processedCount: 2,
        successCount: 2,
        failedCount: 0,
        createdAt: expect.any(String),
        finishedAt: expect.any(String),
      },
    });
    for (const number of numbers) expect(call.body).not.toContain(number.slice(1));
    // Hostile: a changed body, another secret, a replayed old timestamp are all refused.
    expect(() =>
      verified({ ...call, body: call.body.replace('completed', 'cancelled') }, secret),
    ).toThrow();
    const other = (await op.endpoint(receiver, '/unused')).secret;
    expect(() => verified(call, other)).toThrow();
    const old = String(Math.floor(Date.now() / 1000) - 3600);
    expect(() =>
      verified({ ...call, headers: { ...call.headers, 'webhook-timestamp': old } }, secret),
    ).toThrow();

    const log = await waitFor('the log to say succeeded', async () => {
      const [entry] = await op.deliveries(id);
      return entry?.state === 'succeeded' ? entry : undefined;
    });
    expect(log).toMatchObject({
      messageId: call.headers['webhook-id'],
      jobId,
      attempt: 1,
      responseStatus: 204,
      type: 'job.completed',
      nextAttemptAt: null,
    });
    await counted('ocn_webhook_deliveries_total', 'succeeded', before + 1);
  });

  it('is retried after ~5 s with the same webhook-id when the receiver fails, until it succeeds', async () => {
    const op = await webhookTenant(suite);
    receiver.script('/flaky', (n) => (n < 2 ? { status: 500 } : { status: 200 }));
    const { id, secret } = await op.endpoint(receiver, '/flaky');
    await op.runJob(1);
    const calls = await callsAtLeast(receiver, '/flaky', 3, 'three attempts', 40_000);
    const ids = new Set(calls.map((c) => c.headers['webhook-id']));
    expect(ids.size).toBe(1);
    for (const call of calls) verified(call, secret);
    const [first, second, third] = calls as [
      (typeof calls)[0],
      (typeof calls)[0],
      (typeof calls)[0],
    ];
    // The real first step: 5 s (BullMQ's delayed jobs may be late on a busy machine, never early).
    expect(second.at - first.at).toBeGreaterThanOrEqual(4900);
    expect(second.at - first.at).toBeLessThan(20_000);
    expect(third.at - second.at).toBeGreaterThanOrEqual(1400);
    const entry = await waitFor('the log to say succeeded', async () => {
      const [e] = await op.deliveries(id);
      return e?.state === 'succeeded' ? e : undefined;
    });
    expect(entry).toMatchObject({ attempt: 3, responseStatus: 200, error: null });
    await counted('ocn_webhook_deliveries_total', 'retrying', 2);
  });

  it('honours Retry-After of a 429 within the schedule', async () => {
    const op = await webhookTenant(suite);
    receiver.script('/busy', (n) =>
      n === 0 ? { status: 429, headers: { 'retry-after': '8' } } : { status: 200 },
    );
    await op.endpoint(receiver, '/busy');
    await op.runJob(1);
    const calls = await callsAtLeast(receiver, '/busy', 2, 'two attempts', 40_000);
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(7900);
  });

  it('disables an endpoint that answers 410 at once, and writes it no more messages', async () => {
    const op = await webhookTenant(suite);
    receiver.script('/gone', () => ({ status: 410 }));
    const gone = await op.endpoint(receiver, '/gone');
    const witness = await op.endpoint(receiver, '/witness-410');
    const disabledBefore = await metric('ocn_webhook_endpoints_disabled_total', 'gone');
    await op.runJob(1);
    const endpoint = await waitFor('the endpoint to be disabled', async () => {
      const e = (await op.call('GET', `/api/v3/oc/webhooks/${gone.id}`)).json();
      return e.enabled === false ? e : undefined;
    });
    expect(endpoint.disabledReason).toBe('gone');
    expect(await counted('ocn_webhook_endpoints_disabled_total', 'gone', disabledBefore + 1)).toBe(
      disabledBefore + 1,
    );
    expect((await op.deliveries(gone.id))[0]).toMatchObject({
      state: 'failed',
      responseStatus: 410,
    });
    const second = await op.runJob(1);
    await callsAtLeast(receiver, '/witness-410', 2, 'the witness to hear of the second job');
    expect(receiver.calls('/gone')).toHaveLength(1);
    expect((await op.deliveries(gone.id)).map((d) => d.jobId)).not.toContain(second.jobId);
    expect((await op.deliveries(witness.id)).map((d) => d.jobId)).toContain(second.jobId);
  });

  it('disables an endpoint whose every attempt failed for five days', async () => {
    const op = await webhookTenant(suite);
    receiver.script('/down', () => ({ status: 503 }));
    const down = await op.endpoint(receiver, '/down');
    await suite.t
      .sql`update webhook_endpoints set failing_since = now() - interval '5 days 1 minute' where id = ${down.id}`;
    await op.runJob(1);
    const endpoint = await waitFor('the endpoint to be disabled', async () => {
      const e = (await op.call('GET', `/api/v3/oc/webhooks/${down.id}`)).json();
      return e.enabled === false ? e : undefined;
    });
    expect(endpoint.disabledReason).toBe('failing');
    await counted('ocn_webhook_endpoints_disabled_total', 'failing', 1);
  });

  it('signs with both secrets for a day after a rotation', async () => {
    const op = await webhookTenant(suite);
    const { id, secret: before } = await op.endpoint(receiver, '/rotated');
    const after = (await op.call('POST', `/api/v3/oc/webhooks/${id}/rotate-secret`)).json().secret;
    await op.runJob(1);
    const call = await waitFor('the message', async () => receiver.calls('/rotated')[0]);
    expect(call.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(call.headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    expect(verified(call, before)).toMatchObject({ type: 'job.completed' });
    expect(verified(call, after)).toMatchObject({ type: 'job.completed' });
  });

  it('keeps a hanging endpoint from delaying another endpoint, and times it out after 15 s', async () => {
    const op = await webhookTenant(suite);
    receiver.script('/hang', () => 'hang');
    const hang = await op.endpoint(receiver, '/hang');
    await op.endpoint(receiver, '/beside-hang');
    const jobs = await Promise.all(Array.from({ length: 6 }, () => op.runJob(1)));
    const ended = Date.now();
    await callsAtLeast(receiver, '/beside-hang', 6, 'every message at the other endpoint');
    const waitedMs = Date.now() - ended;
    // Well before any hanging attempt could time out: nobody waited for them.
    expect(waitedMs).toBeLessThan(10_000);
    // This worker holds at most WEBHOOK_ENDPOINT_CONCURRENCY (4) attempts to one endpoint.
    expect(receiver.open('/hang')).toBeLessThanOrEqual(4);
    const timedOut = await waitFor(
      'a hanging attempt to time out',
      async () => {
        const entries = await op.deliveries(hang.id);
        return entries.find((e) => e.attempt === 1 && e.error) ?? undefined;
      },
      40_000,
    );
    expect(timedOut).toMatchObject({
      state: 'pending',
      responseStatus: null,
      error: 'no answer within 15 s',
    });
    expect(jobs.map((j) => j.res.statusCode)).toEqual(Array(6).fill(200));
  });

  it('shows the delivery queue in Bull Board', async () => {
    const res = await suite.api.app.inject({
      url: '/admin/queues/api/queues?activeQueue=webhook-deliveries&status=completed',
      headers: { authorization: `Basic ${Buffer.from('ops:board-pass').toString('base64')}` },
    });
    expect(res.statusCode).toBe(200);
    const queue = res.json().queues.find((q: { name: string }) => q.name === 'webhook-deliveries');
    expect(queue?.displayName).toBe('Webhook deliveries');
    expect(queue?.jobs.length).toBeGreaterThan(0);
    // One attempt (wh.<message>.<endpoint>.<attempt>) or several of one endpoint
    // (wh.<endpoint>.<count>.<digest>).
    expect(queue?.jobs[0].id).toMatch(
      /^wh\.(?:[0-9a-f-]{36}\.[0-9a-f-]{36}\.\d+|[0-9a-f-]{36}\.\d+\.[0-9a-f]{32})$/,
    );
  });
});
