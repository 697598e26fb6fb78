import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/queue/redis.ts';
import {
  type DeliveryJobData,
  type DeliveryReturnValue,
  WEBHOOK_QUEUE,
} from '../../src/webhooks/queue.ts';
import { useApiSuite } from '../support/app.ts';
import { waitFor } from '../support/wait.ts';
import { callsAtLeast, verified } from '../support/webhook-receiver.ts';
import { useDeliveringWorker, webhookTenant } from '../support/webhook-tenants.ts';

// One delivery job carries the attempts of one endpoint that the relay found due together
// (src/webhooks/queue.ts, delivery-job.ts). Each attempt must still be its own: recorded,
// retried and timed out on its own, and a hanging endpoint's job must hold only that
// endpoint's slots. A real worker and a real receiver on 127.0.0.1.

const suite = useApiSuite(
  'webhooks-batch',
  { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' },
  { worker: false },
);
// A short first wait, so the failed attempt's retry comes within the test.
const receiver = useDeliveringWorker(suite, { webhookSchedule: [1000, 1000] });
let connection: ReturnType<typeof createRedis>;
let queue: Queue<DeliveryJobData, DeliveryReturnValue>;

beforeAll(async () => {
  connection = createRedis(suite.api.config.redisUrl, 'bullmq', 'webhooks-batch-test');
  queue = new Queue(WEBHOOK_QUEUE, { connection, prefix: suite.api.config.queuePrefix });
});
afterAll(async () => {
  await queue?.close();
  await connection?.quit();
});

/**
 * `count` messages for each endpoint, written in one statement (as the outbox writes a job's
 * messages), so one relay pass finds them all due at once.
 */
async function pendingMessages(operatorId: string, endpointIds: string[], count: number) {
  const rows = await suite.t.sql<{ messageId: string; endpointId: string }[]>`
    with m as (
      insert into webhook_messages (operator_id, job_id, type, data)
      select ${operatorId}, gen_random_uuid(), 'job.completed', '{}'::jsonb
      from generate_series(1, ${count})
      returning id)
    insert into webhook_deliveries (message_id, endpoint_id, next_attempt_at)
    select m.id, e.id, now() from m cross join unnest(${endpointIds}::uuid[]) as e(id)
    returning message_id as "messageId", endpoint_id as "endpointId"`;
  return rows;
}

const jobsOf = async (endpointId: string) =>
  (await queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed'])).filter(
    (job) => job.data.endpointId === endpointId,
  );

describe('one delivery job with several attempts of one endpoint', () => {
  it('records each attempt on its own: one fails and is retried with its webhook-id, the others succeed once', async () => {
    const op = await webhookTenant(suite);
    receiver.script('/batch', (n) => (n === 1 ? { status: 500 } : { status: 204 }));
    const { id, secret } = await op.endpoint(receiver, '/batch');
    const written = await pendingMessages(op.tenant.operator.id, [id], 3);

    const calls = await callsAtLeast(receiver, '/batch', 4, 'three messages and one retry');
    for (const call of calls) verified(call, secret);
    const ids = calls.map((c) => c.headers['webhook-id']);
    expect(new Set(ids)).toEqual(new Set(written.map((w) => w.messageId)));
    const failed = ids[1];
    expect(ids.filter((i) => i === failed)).toHaveLength(2);

    const rows = await waitFor('every delivery to succeed', async () => {
      const r = await suite.t.sql<{ messageId: string; state: string; attempts: number }[]>`
        select message_id as "messageId", state, attempts from webhook_deliveries
        where endpoint_id = ${id}`;
      return r.every((d) => d.state === 'succeeded') ? r : undefined;
    });
    expect(new Map(rows.map((r) => [r.messageId, r.attempts]))).toEqual(
      new Map(written.map((w) => [w.messageId, w.messageId === failed ? 2 : 1])),
    );
    // The three first attempts went in one job; the retry in one of its own.
    const jobs = await jobsOf(id);
    const first = jobs.find((j) => j.data.attempts.length === 3);
    expect(first?.returnvalue?.attempts.map((a) => a.outcome).sort()).toEqual([
      'retrying',
      'succeeded',
      'succeeded',
    ]);
    expect(jobs.find((j) => j.data.attempts.length === 1)?.data.attempts).toEqual([
      { messageId: failed, attempt: 2 },
    ]);
  });

  it('keeps a hanging endpoint’s job from delaying another endpoint, and times its attempts out side by side', async () => {
    const op = await webhookTenant(suite);
    receiver.script('/batch-hang', () => 'hang');
    const hang = await op.endpoint(receiver, '/batch-hang');
    const beside = await op.endpoint(receiver, '/batch-beside');
    const written = Date.now();
    await pendingMessages(op.tenant.operator.id, [hang.id, beside.id], 3);

    await callsAtLeast(receiver, '/batch-beside', 3, 'the other endpoint’s messages');
    // Well before a hanging attempt could time out: nobody waited for them.
    expect(Date.now() - written).toBeLessThan(10_000);
    // The hanging job's three attempts are open at once, within the endpoint's slots (4).
    await waitFor('the hanging attempts side by side', async () =>
      receiver.open('/batch-hang') === 3 ? true : undefined,
    );
    expect((await jobsOf(hang.id)).map((j) => j.data.attempts.length)).toEqual([3]);
    // Each timed out after 15 s, together: not one after another (45 s).
    const timedOut = await waitFor(
      'the hanging attempts to time out',
      async () => {
        const r = await suite.t.sql<{ error: string | null; state: string }[]>`
          select error, state from webhook_deliveries where endpoint_id = ${hang.id}`;
        return r.every((d) => d.error) ? r : undefined;
      },
      25_000,
    );
    expect(timedOut).toEqual(Array(3).fill({ state: 'pending', error: 'no answer within 15 s' }));
  }, 60_000);
});
