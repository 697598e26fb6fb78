import { describe, expect, it } from 'vitest';
import { useApiSuite } from '../support/app.ts';
import { waitFor } from '../support/wait.ts';
import { verified } from '../support/webhook-receiver.ts';
import { useDeliveringWorker, WEBHOOKS, webhookTenant } from '../support/webhook-tenants.ts';

// A delivering worker keeps endpoints' URLs and secrets in a per-process cache
// (src/webhooks/target-cache.ts). One worker here, so its cache is warm from the first message
// on: every change made through the API must show in the very next attempt, and a disabled
// endpoint must get nothing even though its URL and secret are cached.

const suite = useApiSuite(
  'webhooks-cache',
  { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' },
  { worker: false },
);
const receiver = useDeliveringWorker(suite);

const jobIdOf = (call: { body: string }) =>
  (JSON.parse(call.body) as { data: { jobId: string } }).data.jobId;

describe('a delivering worker with the endpoint cached', () => {
  it('sends the next message to a changed URL and signs it with a rotated secret', async () => {
    const op = await webhookTenant(suite);
    const { id, secret: first } = await op.endpoint(receiver, '/cache-a');
    await op.runJob(1);
    await waitFor('the first message', async () => receiver.calls('/cache-a')[0]);

    const moved = await op.call('PATCH', `${WEBHOOKS}/${id}`, { url: receiver.url('/cache-b') });
    expect(moved.statusCode).toBe(200);
    const second = await op.runJob(1);
    const atB = await waitFor(
      'the message at the new URL',
      async () => receiver.calls('/cache-b')[0],
    );
    expect(jobIdOf(atB)).toBe(second.jobId);
    expect(verified(atB, first)).toMatchObject({ type: 'job.completed' });
    expect(receiver.calls('/cache-a')).toHaveLength(1);

    const rotated = await op.call('POST', `${WEBHOOKS}/${id}/rotate-secret`);
    const next: string = rotated.json().secret;
    const third = await op.runJob(1);
    const signed = await waitFor('the message after the rotation', async () =>
      receiver.calls('/cache-b').find((c) => jobIdOf(c) === third.jobId),
    );
    expect(signed.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(verified(signed, next)).toMatchObject({ type: 'job.completed' });
    expect(verified(signed, first)).toMatchObject({ type: 'job.completed' });
  });

  it('sends nothing to an endpoint disabled after its message was written', async () => {
    const op = await webhookTenant(suite);
    const { id } = await op.endpoint(receiver, '/cache-off');
    await op.runJob(1);
    await waitFor('the first message', async () => receiver.calls('/cache-off')[0]);
    const disabled = await op.call('PATCH', `${WEBHOOKS}/${id}`, { enabled: false });
    expect(disabled.json().enabled).toBe(false);
    // A message the outbox wrote while the endpoint was still enabled (the trigger writes none
    // for a disabled one), handed over only now: the attempt must read `enabled` fresh.
    await suite.t.sql`
      with m as (
        insert into webhook_messages (operator_id, job_id, type, data)
        values (${op.tenant.operator.id}, gen_random_uuid(), 'job.completed', '{}'::jsonb)
        returning id)
      insert into webhook_deliveries (message_id, endpoint_id, next_attempt_at)
      select m.id, ${id}, now() from m`;
    const skipped = await waitFor('the delivery to end', async () => {
      const [entry] = await op.deliveries(id);
      return entry?.state === 'failed' ? entry : undefined;
    });
    expect(skipped.error).toBe('endpoint disabled');
    expect(receiver.calls('/cache-off')).toHaveLength(1);
  });
});
