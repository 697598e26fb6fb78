import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { principalOf } from '../api/auth/bearer.ts';
import { notFound } from '../api/http/problem.ts';
import { operatorResponseHeaders } from '../api/openapi/headers.ts';
import { invalidListQuery, operatorProblems, problem } from '../api/openapi/problems.ts';
import { EndpointParams, ListDeliveriesQuery, WebhookDeliveryListSchema } from './api-schemas.ts';
import { deliveriesCursor, toDeliveryView } from './api-views.ts';
import type { WebhookService } from './service.ts';

// An endpoint's deliveries log (docs/api.md "Webhooks"): newest first, a cursor bound to the
// operator and the endpoint.

const WEBHOOKS_PATH = '/api/v3/oc/webhooks';
const ONE = `${WEBHOOKS_PATH}/:endpointId`;
const missing = {
  404: problem(404, { description: 'NOT_FOUND: no such endpoint for this operator' }),
};

export function registerDeliveryLogRoute(app: FastifyInstance, webhooks: WebhookService) {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const common = { tags: ['webhooks'], security: [{ bearerAuth: [] }] };
  api.get(
    `${ONE}/deliveries`,
    {
      schema: {
        ...common,
        ...operatorResponseHeaders({ 200: { Link: 'optional' } }),
        operationId: 'listWebhookDeliveries',
        summary: "The endpoint's deliveries log, newest first: each message's last attempt",
        params: EndpointParams,
        querystring: ListDeliveriesQuery,
        response: {
          200: WebhookDeliveryListSchema,
          ...operatorProblems(),
          400: invalidListQuery(),
          ...missing,
        },
      },
    },
    async (request, reply) => {
      const { operatorId } = principalOf(request);
      const { endpointId } = request.params;
      const { limit, cursor } = request.query;
      const scope = { operatorId, endpointId };
      const afterMessageId = deliveriesCursor.decode(cursor, scope);
      const page = await webhooks.deliveries(scope, {
        limit,
        ...(afterMessageId && { afterMessageId }),
      });
      if (!page) throw notFound();
      const last = page.rows.at(-1);
      const nextCursor =
        page.hasMore && last ? deliveriesCursor.encode(last.messageId, scope) : null;
      if (nextCursor) {
        const next = new URLSearchParams({ limit: String(limit), cursor: nextCursor });
        reply.header('link', `<${WEBHOOKS_PATH}/${endpointId}/deliveries?${next}>; rel="next"`);
      }
      return { data: page.rows.map(toDeliveryView), nextCursor };
    },
  );
}
