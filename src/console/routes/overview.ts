import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../api/auth/bearer.ts';
import { toJobView } from '../../jobs/job-view.ts';
import { removalStatusSummary, removalSummaryByCustomer } from '../../numbers/inventory-queries.ts';
import type { ConsoleContext } from '../context.ts';
import { renderPage } from '../render.ts';

const CUSTOMERS_SHOWN = 50;
const RECENT_JOBS = 10;

/** The overview: the operator's removal summary, the same per customer, the latest jobs. */
export function registerOverview(app: FastifyInstance, ctx: ConsoleContext) {
  app.get('/', async (request, reply) => {
    const { operatorId } = principalOf(request);
    const sql = ctx.deps.db.$client;
    const [summary, customers, recent] = await Promise.all([
      removalStatusSummary(sql, { operatorId }),
      removalSummaryByCustomer(sql, operatorId, CUSTOMERS_SHOWN),
      ctx.jobs.list(operatorId, { limit: RECENT_JOBS }),
    ]);
    return renderPage(request, reply, 'overview', {
      title: 'Overview',
      summary,
      customers,
      customersShown: CUSTOMERS_SHOWN,
      jobs: recent.rows.map(toJobView),
    });
  });
}
