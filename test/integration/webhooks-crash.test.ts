import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpoint } from '../../src/webhooks/endpoints.ts';
import { createMarkedJob, createTenant } from '../support/factories.ts';
import { type ServiceProcess, startService } from '../support/processes.ts';
import { type PrivateRedis, startPrivateRedis } from '../support/redis-server.ts';
import { waitFor } from '../support/wait.ts';
import { callsAtLeast, useWebhookReceiver, verified } from '../support/webhook-receiver.ts';
import { createTestQueue, useQueueSuite, waitForJobState } from '../support/worker-queue.ts';

// At least once, never lost, across crashes (docs/reliability.md, "Webhooks"): real worker
// processes (`npm run start:worker`) killed with SIGKILL, and a Redis restarted without
// persistence while messages are pending. The delivery row in Postgres is the truth.

const q = useQueueSuite('webhooks-crash');
const workers: ServiceProcess[] = [];
const receiver = useWebhookReceiver();
let redis: PrivateRedis;

beforeAll(async () => {
  redis = await startPrivateRedis();
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await redis?.stop();
});

async function startWorker(redisUrl = q.config.redisUrl) {
  const worker = await startService('worker', {
    DATABASE_URL: q.t.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: q.prefix,
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    WEBHOOK_RELAY_INTERVAL_MS: '100',
    RECOVERY_INTERVAL_MS: '500',
    RECOVERY_MIN_AGE_MS: '1000',
  });
  workers.push(worker);
  return worker;
}

async function tenantWithEndpoint(path: string) {
  const tenant = await createTenant(q.t.db);
  const endpoint = await createEndpoint(q.t.db, tenant.operator.id, {
    url: receiver.url(path),
    events: ['job.completed'],
    description: null,
  });
  return { tenant, endpoint };
}

const deliveryOf = async (endpointId: string) => {
  const [row] = await q.t.sql<{ state: string; attempts: number; message_id: string }[]>`
    select state, attempts, message_id from webhook_deliveries where endpoint_id = ${endpointId}`;
  return row;
};

describe('webhook messages across crashes', () => {
  it('still arrive, with the same webhook-id, when the worker is SIGKILLed right after the job ended', async () => {
    const { tenant, endpoint } = await tenantWithEndpoint('/killed');
    // The first attempt hangs: the worker has ended the job and is sending its message.
    receiver.script('/killed', (n) => (n === 0 ? 'hang' : { status: 200 }));
    const first = await startWorker();
    const { job } = await createMarkedJob(q.t.db, tenant, 3);
    await q.producer.enqueue(job);
    await waitForJobState(q.t.db, job.id, ['completed'], 20_000);
    await waitFor(
      'the first attempt to reach the receiver',
      async () => receiver.calls('/killed')[0],
    );
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const second = await startWorker();
    const calls = await callsAtLeast(receiver, '/killed', 2, 'the message again', 30_000);
    expect(new Set(calls.map((c) => c.headers['webhook-id'])).size).toBe(1);
    for (const call of calls)
      expect(verified(call, endpoint.secret)).toMatchObject({ type: 'job.completed' });
    const row = await waitFor('the delivery to be recorded', async () => {
      const d = await deliveryOf(endpoint.id);
      return d?.state === 'succeeded' ? d : undefined;
    });
    expect(row.message_id).toBe(calls[0]?.headers['webhook-id']);
    await second.stop('SIGTERM');
  });

  it('still arrive after a Redis restart lost the pending retries', async () => {
    const { tenant, endpoint } = await tenantWithEndpoint('/redis');
    // The first attempt fails: its retry (5 s later) waits in Redis as a delayed job.
    receiver.script('/redis', (n) => (n === 0 ? { status: 503 } : { status: 200 }));
    const worker = await startWorker(redis.url);
    const producer = createTestQueue({ ...q.config, redisUrl: redis.url });
    try {
      const { job } = await createMarkedJob(q.t.db, tenant, 2);
      await producer.enqueue(job);
      await waitFor(
        'the retry to be scheduled',
        async () => {
          const d = await deliveryOf(endpoint.id);
          return d?.attempts === 1 ? d : undefined;
        },
        20_000,
      );
      await redis.restart();
      const calls = await callsAtLeast(
        receiver,
        '/redis',
        2,
        'the retry after the restart',
        40_000,
      );
      expect(new Set(calls.map((c) => c.headers['webhook-id'])).size).toBe(1);
      for (const call of calls) {
        expect(verified(call, endpoint.secret)).toMatchObject({ type: 'job.completed' });
      }
      expect(
        await waitFor('succeeded', async () => {
          const d = await deliveryOf(endpoint.id);
          return d?.state === 'succeeded' ? d : undefined;
        }),
      ).toMatchObject({ attempts: 2 });
    } finally {
      await producer.queue.close().catch(() => {});
      producer.connection.disconnect();
      await worker.stop('SIGTERM');
    }
  });
});
