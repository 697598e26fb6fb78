import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { principalOf } from '../../api/auth/bearer.ts';
import { cursorCodec } from '../../api/views/cursor.ts';
import { UUID_PATTERN } from '../../domain/limits.ts';
import { toJobView } from '../../jobs/job-view.ts';
import type { ConsoleContext } from '../context.ts';
import { text } from '../forms.ts';
import { renderPage } from '../render.ts';

const CUSTOMERS_SHOWN = 50;
const RECENT_JOBS = 10;

/** The per-customer table's pages: after the last customer shown (its marked count, tenant). */
const customersCursor = cursorCodec(
  'customers',
  z.strictObject({ m: z.int().min(0).max(2_000_000_000), t: z.string().regex(UUID_PATTERN) }),
);

/**
 * The overview: the operator's removal summary, the same per customer (50 at a time, most
 * waiting first), the latest jobs. Every figure comes from the counters, so the page costs the
 * same for ten numbers or ten million.
 */
export function registerOverview(app: FastifyInstance, ctx: ConsoleContext) {
  app.get('/', async (request, reply) => {
    const { operatorId } = principalOf(request);
    const query = request.query as Record<string, unknown>;
    const cursor = text(query.customers);
    const at = customersCursor.decode(cursor, { operatorId });
    const [summary, customers, recent] = await Promise.all([
      ctx.numbers.summary({ operatorId }),
      ctx.numbers.summaryByCustomer(operatorId, {
        limit: CUSTOMERS_SHOWN,
        ...(at && { after: { marked: at.m, msTenantId: at.t } }),
      }),
      ctx.jobs.list(operatorId, { limit: RECENT_JOBS }),
    ]);
    const last = customers.rows.at(-1);
    const next =
      customers.hasMore && last
        ? customersCursor.encode({ m: last.marked, t: last.msTenantId }, { operatorId })
        : undefined;
    return renderPage(request, reply, 'overview', {
      title: 'Overview',
      summary,
      customers: customers.rows,
      customersWithRemovals: customers.customers,
      // Keyset pages go forward; the way back is the first page (or the browser's Back).
      firstCustomers: cursor ? '/console#customers-h' : undefined,
      nextCustomers: next
        ? `/console?${new URLSearchParams({ customers: next })}#customers-h`
        : undefined,
      jobs: recent.rows.map(toJobView),
    });
  });
}
