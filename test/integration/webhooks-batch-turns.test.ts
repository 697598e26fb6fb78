import { describe, expect, it } from 'vitest';
import { useApiSuite } from '../support/app.ts';
import { waitFor } from '../support/wait.ts';
import { useDeliveringWorker, webhookTenant } from '../support/webhook-tenants.ts';

// One slot per endpoint (WEBHOOK_ENDPOINT_CONCURRENCY=1): a delivery job's attempts go one
// after another (src/webhooks/delivery-job.ts), and each after the first reads its endpoint
// again before sending, so what an earlier attempt of the same job did to the endpoint — a 410
// disabling it — applies to the very next attempt (docs/api.md: "from the next attempt on").

const suite = useApiSuite(
  'webhooks-batch-turns',
  { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_ENDPOINT_CONCURRENCY: '1' },
  { worker: false },
);
const receiver = useDeliveringWorker(suite);

describe('a delivery job’s attempts made in turn', () => {
  it('sends nothing more once an attempt of the same job was answered 410', async () => {
    const op = await webhookTenant(suite);
    receiver.script('/turns-gone', () => ({ status: 410 }));
    const { id } = await op.endpoint(receiver, '/turns-gone');
    // Three messages written together: one relay pass, one job of three attempts.
    await suite.t.sql`
      with m as (
        insert into webhook_messages (operator_id, job_id, type, data)
        select ${op.tenant.operator.id}, gen_random_uuid(), 'job.completed', '{}'::jsonb
        from generate_series(1, 3)
        returning id)
      insert into webhook_deliveries (message_id, endpoint_id, next_attempt_at)
      select m.id, ${id}, now() from m`;
    const rows = await waitFor('every delivery to end', async () => {
      const r = await suite.t.sql<
        { state: string; responseStatus: number | null; error: string }[]
      >`
        select state, response_status as "responseStatus", error from webhook_deliveries
        where endpoint_id = ${id}`;
      return r.every((d) => d.state === 'failed') ? r : undefined;
    });
    expect(receiver.calls('/turns-gone')).toHaveLength(1);
    expect(rows.map((r) => r.error).sort()).toEqual([
      'HTTP 410',
      'endpoint disabled',
      'endpoint disabled',
    ]);
  });
});
