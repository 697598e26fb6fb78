import type { FastifyInstance, FastifyRequest } from 'fastify';
import { principalOf } from '../../api/auth/bearer.ts';
import { notFound } from '../../api/http/problem.ts';
import { toCsv, toItemView } from '../../api/routes/job-items.ts';
import { MAX_NUMBERS_PER_REQUEST } from '../../domain/limits.ts';
import { OPERATIONS } from '../../domain/operations.ts';
import { ITEM_OUTCOMES } from '../../domain/statuses.ts';
import { isEnded, toJobView } from '../../jobs/job-view.ts';
import type { ItemFilter } from '../../jobs/queries.ts';
import type { ConsoleContext } from '../context.ts';
import { isUuid, text } from '../forms.ts';
import { renderFragment, renderPage } from '../render.ts';

const OUTCOME_FILTERS: readonly ItemFilter[] = [...ITEM_OUTCOMES, 'NOT_PROCESSED'];

/**
 * A job: live progress (htmx polls the progress fragment until the job ended, then reloads the
 * page once; without JavaScript the page has a refresh link), its outcomes with a filter, cancel
 * and the CSV of its outcomes. Another operator's job, or no job, is the same 404 page.
 */
export function registerJobPages(app: FastifyInstance, ctx: ConsoleContext) {
  const load = async (request: FastifyRequest) => {
    const { operatorId } = principalOf(request);
    const { jobId } = request.params as { jobId: string };
    const job = isUuid(jobId) ? await ctx.jobs.get(operatorId, jobId) : undefined;
    if (!job) throw notFound('There is no such job');
    return { operatorId, job };
  };

  app.get('/jobs/:jobId', async (request, reply) => {
    const { operatorId, job } = await load(request);
    const wanted = text((request.query as Record<string, unknown>).outcome);
    const outcome = OUTCOME_FILTERS.find((o) => o === wanted);
    // A job holds at most 500 numbers: one page shows them all.
    const page = await ctx.jobs.items(operatorId, job.id, {
      limit: MAX_NUMBERS_PER_REQUEST,
      ...(outcome && { outcome }),
    });
    const operation = OPERATIONS[job.operation];
    return renderPage(request, reply, 'job', {
      title: `Job ${job.id}`,
      job: toJobView(job),
      operation,
      running: !isEnded(job.state),
      items: page.items.map((item) => toItemView(operation, item)),
      outcome: outcome ?? '',
      outcomes: OUTCOME_FILTERS,
    });
  });

  app.get('/jobs/:jobId/progress', async (request, reply) => {
    const { job } = await load(request);
    const view = toJobView(job);
    // Ended: the whole page loads once more, with its final outcomes and without polling.
    if (!isEnded(job.state))
      return renderFragment(reply, 'job-progress', { job: view, running: true });
    return reply.header('hx-refresh', 'true').code(200).type('text/html; charset=utf-8').send('');
  });

  app.get('/jobs/:jobId/items.csv', async (request, reply) => {
    const { operatorId, job } = await load(request);
    const page = await ctx.jobs.items(operatorId, job.id, { limit: MAX_NUMBERS_PER_REQUEST });
    const operation = OPERATIONS[job.operation];
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="job-${job.id}-items.csv"`)
      .send(toCsv(page.items.map((item) => toItemView(operation, item))));
  });

  app.post('/jobs/:jobId/cancel', { preHandler: app.csrfProtection }, async (request, reply) => {
    const { operatorId, job } = await load(request);
    const outcome = await ctx.jobs.cancel({ operatorId, jobId: job.id }, request.log);
    if (outcome.kind === 'not-found') throw notFound('There is no such job');
    request.log.info({ jobId: job.id, outcome: outcome.kind, console: true }, 'job cancel');
    return reply.redirect(`/console/jobs/${job.id}`, 303);
  });
}
