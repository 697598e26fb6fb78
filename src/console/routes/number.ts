import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../api/auth/bearer.ts';
import { notFound } from '../../api/http/problem.ts';
import { toNumberView, toStatusChangeView } from '../../api/views/number-rows.ts';
import { E164_PATTERN } from '../../domain/limits.ts';
import type { ConsoleContext } from '../context.ts';
import { renderPage } from '../render.ts';

/** One number: its status and its history (jobs and imports), as GET /numbers/{n} has it. */
export function registerNumberPage(app: FastifyInstance, ctx: ConsoleContext) {
  app.get('/numbers/:telephoneNumber', async (request, reply) => {
    const { operatorId } = principalOf(request);
    const { telephoneNumber } = request.params as { telephoneNumber: string };
    const found = E164_PATTERN.test(telephoneNumber)
      ? await ctx.numbers.get(operatorId, telephoneNumber)
      : undefined;
    if (!found) throw notFound('There is no such number in your inventory');
    return renderPage(request, reply, 'number', {
      title: telephoneNumber,
      number: toNumberView(found.number),
      history: found.history.map(toStatusChangeView),
    });
  });
}
