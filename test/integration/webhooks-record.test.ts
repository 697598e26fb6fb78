import { describe, expect, it } from 'vitest';
import { createEndpoint } from '../../src/webhooks/endpoints.ts';
import { createRecorder } from '../../src/webhooks/record.ts';
import { useTestDatabase } from '../support/database.ts';
import { createTenant } from '../support/factories.ts';

// Successful attempts that end together are recorded in one statement (src/webhooks/record.ts):
// each must still be recorded exactly as alone — its own row, only if still pending at this
// attempt, and a second delivery of one attempt (a stalled worker's) not counted twice.

const t = useTestDatabase();

async function pendingDelivery(operatorId: string, endpointId: string, attempts = 0) {
  const [row] = await t.sql<{ messageId: string }[]>`
    with m as (
      insert into webhook_messages (operator_id, job_id, type, data)
      values (${operatorId}, gen_random_uuid(), 'job.completed', '{}'::jsonb) returning id)
    insert into webhook_deliveries (message_id, endpoint_id, next_attempt_at, attempts)
    select m.id, ${endpointId}, now(), ${attempts} from m
    returning message_id as "messageId"`;
  if (!row) throw new Error('no delivery');
  return row.messageId;
}

describe('recording successful attempts that end together', () => {
  it('records each once, by its own attempt, and ends the endpoint’s failure streak', async () => {
    const tenant = await createTenant(t.db);
    const endpoint = await createEndpoint(t.db, tenant.operator.id, {
      url: 'https://example.com/hook',
      events: ['job.completed'],
      description: null,
    });
    await t.sql`update webhook_endpoints set failing_since = now() where id = ${endpoint.id}`;
    const [a, b, c] = await Promise.all([
      pendingDelivery(tenant.operator.id, endpoint.id),
      pendingDelivery(tenant.operator.id, endpoint.id),
      pendingDelivery(tenant.operator.id, endpoint.id, 1),
    ]);
    const record = createRecorder(t.sql);
    const success = { kind: 'succeeded' } as const;
    const attempt = (messageId: string | undefined, n: number) =>
      record(
        {
          messageId: messageId ?? '',
          endpointId: endpoint.id,
          attempt: n,
          responseStatus: 204,
          error: null,
        },
        success,
      );
    // The first runs alone; the rest wait for it and go in one statement.
    const results = await Promise.all([
      attempt(a, 1),
      attempt(b, 1),
      attempt(b, 1),
      attempt(c, 1),
      attempt(c, 2),
    ]);
    expect(results.map((r) => r.applied)).toEqual([true, true, false, false, true]);
    const rows = await t.sql<{ messageId: string; state: string; attempts: number }[]>`
      select message_id as "messageId", state, attempts from webhook_deliveries
      where endpoint_id = ${endpoint.id}`;
    expect(new Map(rows.map((r) => [r.messageId, [r.state, r.attempts]]))).toEqual(
      new Map([
        [a, ['succeeded', 1]],
        [b, ['succeeded', 1]],
        [c, ['succeeded', 2]],
      ]),
    );
    const [health] = await t.sql<{ failingSince: Date | null }[]>`
      select failing_since as "failingSince" from webhook_endpoints where id = ${endpoint.id}`;
    expect(health?.failingSince).toBeNull();
  });
});
