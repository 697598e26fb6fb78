import { describe, expect, it } from 'vitest';
import { txSql } from '../../src/db/client.ts';
import { failJob, lockJob, markCancelled } from '../../src/jobs/job-rows.ts';
import { useApiSuite } from '../support/app.ts';
import { createMarkedJob } from '../support/factories.ts';
import { startWebhookReceiver } from '../support/webhook-receiver.ts';
import { webhookTenant } from '../support/webhook-tenants.ts';

// The outbox (drizzle/0006_webhooks.sql): every way a job ends writes its message in the
// transaction that ends it — and only then. No worker here: messages stay in Postgres.

const suite = useApiSuite(
  'webhooks-outbox',
  { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' },
  { worker: false },
);

const messagesOf = (jobId: string) =>
  suite.t.sql<{ type: string; data: Record<string, unknown>; deliveries: number }[]>`
    select m.type, m.data, (select count(*)::int from webhook_deliveries d where d.message_id = m.id) as deliveries
    from webhook_messages m where m.job_id = ${jobId}`;

async function operatorWithEndpoints(events?: string[]) {
  const receiver = await startWebhookReceiver();
  const op = await webhookTenant(suite);
  await op.endpoint(receiver, '/a', events);
  await op.endpoint(receiver, '/b', events);
  await receiver.close();
  return op;
}

describe('the outbox', () => {
  it('holds a job.cancelled message once the API cancels a job, one delivery per endpoint', async () => {
    const op = await operatorWithEndpoints();
    const { job } = await createMarkedJob(suite.t.db, op.tenant, 3);
    const res = await op.call('POST', `/api/v3/oc/numbers/jobs/${job.id}/cancel`);
    expect(res.statusCode).toBe(200);
    const [message, ...more] = await messagesOf(job.id);
    expect(more).toEqual([]);
    expect(message).toMatchObject({
      type: 'job.cancelled',
      deliveries: 2,
      data: {
        jobId: job.id,
        state: 'cancelled',
        requestedCount: 3,
        processedCount: 0,
        failedCount: 0,
      },
    });
    expect(JSON.stringify(message?.data)).not.toMatch(/\+\d{6}/);
    // Cancelling again changes nothing and writes nothing.
    await op.call('POST', `/api/v3/oc/numbers/jobs/${job.id}/cancel`);
    expect(await messagesOf(job.id)).toHaveLength(1);
  });

  it('holds a job.failed message once the worker (or the recovery sweep) fails a job', async () => {
    const op = await operatorWithEndpoints(['job.failed']);
    const { job } = await createMarkedJob(suite.t.db, op.tenant, 2);
    await failJob(suite.t.db, job.id, 'boom');
    expect(await messagesOf(job.id)).toMatchObject([
      {
        type: 'job.failed',
        deliveries: 2,
        data: { state: 'failed', finishedAt: expect.stringMatching(/Z$/) },
      },
    ]);
  });

  it('writes nothing for an event no endpoint wants, or for an operator without endpoints', async () => {
    const op = await operatorWithEndpoints(['job.completed']);
    const { job } = await createMarkedJob(suite.t.db, op.tenant, 2);
    await failJob(suite.t.db, job.id, 'boom');
    expect(await messagesOf(job.id)).toEqual([]);
    const lonely = await webhookTenant(suite);
    const { job: other } = await createMarkedJob(suite.t.db, lonely.tenant, 2);
    await failJob(suite.t.db, other.id, 'boom');
    expect(await messagesOf(other.id)).toEqual([]);
  });

  it('writes nothing when the transaction that ended the job rolls back', async () => {
    const op = await operatorWithEndpoints();
    const { job } = await createMarkedJob(suite.t.db, op.tenant, 2);
    await expect(
      suite.t.db.transaction(async (tx) => {
        const locked = await lockJob(txSql(tx), job.id, { durable: true });
        if (!locked) throw new Error('no job');
        await markCancelled(tx, locked);
        // Written by the ending statement itself, inside its transaction…
        expect(
          await txSql(tx)`select 1 from webhook_messages where job_id = ${job.id}`,
        ).toHaveLength(1);
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');
    // …and gone with it.
    expect(await messagesOf(job.id)).toEqual([]);
  });
});
