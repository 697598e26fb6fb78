import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { getNumberWithHistory } from '../../numbers/inventory-queries.ts';
import { principalOf } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { NumberParams, NumberWithHistorySchema, numberNotFoundProblem } from '../number-schemas.ts';
import { toNumberView, toStatusChangeView } from '../number-view.ts';
import { notFound } from '../problem.ts';
import { problems } from '../schemas.ts';

// One path segment after /numbers/: the static siblings (jobs, removal-status/…, action/…) win
// over this parameter in Fastify's router, and a parameter never spans a `/`.
export function registerNumberRoute(app: FastifyInstance, deps: AppDeps) {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/v3/oc/numbers/:telephoneNumber',
    {
      schema: {
        operationId: 'getNumber',
        tags: ['numbers'],
        security: [{ bearerAuth: [] }],
        summary: 'One number as in the list, with its status history (API jobs and imports)',
        params: NumberParams,
        response: {
          200: NumberWithHistorySchema,
          404: numberNotFoundProblem,
          ...problems(401, 429, 503),
        },
      },
    },
    async (request) => {
      const { operatorId } = principalOf(request);
      const found = await getNumberWithHistory(
        deps.db.$client,
        operatorId,
        request.params.telephoneNumber,
      );
      if (!found) throw notFound();
      return {
        ...toNumberView(found.number),
        history: found.history.map(toStatusChangeView),
      };
    },
  );
}
