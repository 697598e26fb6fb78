import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { NumberService } from '../../numbers/service.ts';
import { principalOf } from '../auth/bearer.ts';
import { operatorResponseHeaders } from '../openapi/headers.ts';
import { operatorProblems } from '../openapi/problems.ts';
import { normalizeInventoryQuery } from '../views/inventory-query.ts';
import {
  invalidQueryProblem,
  RemovalStatusSummarySchema,
  SummaryQuery,
} from '../views/number-schemas.ts';

export function registerRemovalStatusSummary(app: FastifyInstance, numbers: NumberService) {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/v3/oc/numbers/removal-status/summary',
    {
      preValidation: normalizeInventoryQuery,
      schema: {
        operationId: 'getRemovalStatusSummary',
        tags: ['numbers'],
        security: [{ bearerAuth: [] }],
        summary: "How many of the operator's numbers wait for confirmation or are confirmed",
        description:
          'Optionally for one customer (msTenantId). A customer that is not the operator’s gives zeros.',
        querystring: SummaryQuery,
        response: {
          200: RemovalStatusSummarySchema,
          ...operatorProblems(),
          400: invalidQueryProblem,
        },
        ...operatorResponseHeaders(),
      },
    },
    async (request) => {
      const { operatorId } = principalOf(request);
      const { msTenantId } = request.query;
      const counts = await numbers.summary({
        operatorId,
        ...(msTenantId && { msTenantId }),
      });
      return {
        markedForRemovalCount: counts.marked,
        readyForRemovalCount: counts.ready,
        totalCount: counts.marked + counts.ready,
      };
    },
  );
}
