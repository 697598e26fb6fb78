import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { NumberService } from '../../numbers/service.ts';
import { principalOf } from '../auth/bearer.ts';
import { notFound } from '../http/problem.ts';
import { operatorResponseHeaders } from '../openapi/headers.ts';
import { operatorProblems } from '../openapi/problems.ts';
import { toNumberView, toStatusChangeView } from '../views/number-rows.ts';
import {
  NumberParams,
  NumberWithHistorySchema,
  numberNotFoundProblem,
} from '../views/number-schemas.ts';

// One path segment after /numbers/: the static siblings (jobs, removal-status/…, action/…) win
// over this parameter in Fastify's router, and a parameter never spans a `/`.
export function registerNumberRoute(app: FastifyInstance, numbers: NumberService) {
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
          ...operatorProblems(),
          404: numberNotFoundProblem,
        },
        ...operatorResponseHeaders(),
      },
    },
    async (request) => {
      const { operatorId } = principalOf(request);
      const found = await numbers.get(operatorId, request.params.telephoneNumber);
      if (!found) throw notFound();
      return {
        ...toNumberView(found.number),
        history: found.history.map(toStatusChangeView),
      };
    },
  );
}
