import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_QUEUE } from '../../src/queue/operation-queue.ts';
import { createRedis } from '../../src/queue/redis.ts';
import { createEndpoint } from '../../src/webhooks/endpoints.ts';
import { WEBHOOK_QUEUE } from '../../src/webhooks/queue.ts';
import { createMarkedJob, createTenant } from '../support/factories.ts';
import { type ServiceProcess, spawnService } from '../support/processes.ts';
import { waitFor } from '../support/wait.ts';
import { useWebhookReceiver, verified } from '../support/webhook-receiver.ts';
import { useQueueSuite, waitForJobState } from '../support/worker-queue.ts';

// WORKER_QUEUES (docs/operations.md, "Webhooks"): worker processes that serve the action jobs
// only hand their ended jobs' messages to the delivery queue; processes that serve the
// webhooks only make the attempts. Real `npm run start:worker` processes.

const q = useQueueSuite('webhooks-queues');
const workers: ServiceProcess[] = [];
const receiver = useWebhookReceiver();
let connection: ReturnType<typeof createRedis>;
let deliveries: Queue;
let operations: Queue;

beforeAll(async () => {
  connection = createRedis(q.config.redisUrl, 'bullmq', 'webhooks-queues-test');
  deliveries = new Queue(WEBHOOK_QUEUE, { connection, prefix: q.prefix });
  operations = new Queue(OPERATION_QUEUE, { connection, prefix: q.prefix });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await deliveries?.close();
  await operations?.close();
  await connection?.quit();
});

async function startWorker(queues: string) {
  const worker = await spawnService('worker', {
    DATABASE_URL: q.t.url,
    REDIS_URL: q.config.redisUrl,
    QUEUE_PREFIX: q.prefix,
    WORKER_QUEUES: queues,
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    RECOVERY_INTERVAL_MS: '0',
  });
  workers.push(worker);
  return worker;
}

describe('worker processes serving one queue each', () => {
  it('hand the message over in the job worker and deliver it in the webhook worker', async () => {
    const tenant = await createTenant(q.t.db);
    const endpoint = await createEndpoint(q.t.db, tenant.operator.id, {
      url: receiver.url('/apart'),
      events: ['job.completed'],
      description: null,
    });
    const jobs = await startWorker('operations');
    await jobs.waitForLine('action worker started');
    const { job } = await createMarkedJob(q.t.db, tenant, 2);
    await q.producer.enqueue(job);
    await waitForJobState(q.t.db, job.id, ['completed'], 20_000);
    // Handed over (the BullMQ job waits), and nobody serves the delivery queue yet.
    await waitFor('the attempt in the delivery queue', async () =>
      (await deliveries.getJobCounts('waiting')).waiting === 1 ? true : undefined,
    );
    expect(await deliveries.getWorkersCount()).toBe(0);
    expect(receiver.calls('/apart')).toHaveLength(0);

    const hooks = await startWorker('webhooks');
    await hooks.waitForLine('webhook delivery worker started');
    const call = await waitFor('the message', async () => receiver.calls('/apart')[0]);
    expect(verified(call, endpoint.secret)).toMatchObject({
      type: 'job.completed',
      data: { jobId: job.id },
    });
    expect(await deliveries.getWorkersCount()).toBe(1);
    // The webhook worker took no action jobs: the one action worker is the first process.
    expect(await operations.getWorkersCount()).toBe(1);
  });
});
