import { Gauge, type Registry } from 'prom-client';
import type { Sql } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { counterFromZero, once, scrapeFailed } from '../metrics/registry.ts';

// The webhook metrics whose names and labels docs/operations.md ("Webhook metrics") fixes and
// the dashboard and alert rules (deploy/) query. Kept by the workers that deliver.

export const DELIVERY_OUTCOMES = ['succeeded', 'failed', 'retrying', 'disabled'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];
export const DISABLE_REASONS = ['gone', 'failing'] as const;

export interface WebhookMetrics {
  delivered(outcome: DeliveryOutcome): void;
  endpointDisabled(reason: (typeof DISABLE_REASONS)[number]): void;
}

/** Metrics that go nowhere (a worker without a registry). */
export const NO_WEBHOOK_METRICS: WebhookMetrics = { delivered() {}, endpointDisabled() {} };

export function createWebhookMetrics(
  registry: Registry,
  deps: { sql: Sql; logger: Pick<Logger, 'warn'> },
): WebhookMetrics {
  const deliveries = counterFromZero(registry, {
    name: 'ocn_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome: succeeded (2xx), retrying (a retry is scheduled), failed (the last attempt failed, or 410), disabled (not sent: endpoint disabled).',
    labels: { outcome: DELIVERY_OUTCOMES },
  });
  const disabled = counterFromZero(registry, {
    name: 'ocn_webhook_endpoints_disabled_total',
    help: 'Webhook endpoints disabled by the service: gone (answered 410), failing (every attempt failed for 5 days).',
    labels: { reason: DISABLE_REASONS },
  });
  once(
    registry,
    'ocn_webhook_oldest_pending_seconds',
    () =>
      new Gauge({
        name: 'ocn_webhook_oldest_pending_seconds',
        help: 'Age of the oldest webhook message not yet delivered to an enabled endpoint; 0 when none.',
        registers: [registry],
        async collect() {
          const age = await oldestPendingSeconds(deps.sql).catch((err: unknown) =>
            scrapeFailed(deps.logger, 'ocn_webhook_oldest_pending_seconds', err),
          );
          if (age !== undefined) this.set(age);
        },
      }),
  );
  return {
    delivered: (outcome) => deliveries.inc({ outcome }),
    endpointDisabled: (reason) => disabled.inc({ reason }),
  };
}

async function oldestPendingSeconds(sql: Sql): Promise<number> {
  const rows = await sql.begin(async (tx) => {
    await tx`set local statement_timeout = 2000`;
    return tx<{ age: number | null }[]>`
      select extract(epoch from now() - min(d.created_at))::float8 as age
      from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id
      where d.state = 'pending' and e.enabled`;
  });
  return Math.max(0, rows[0]?.age ?? 0);
}
