import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from '../api/auth/bearer.ts';
import { HttpProblem, notFound } from '../api/http/problem.ts';
import { operatorResponseHeaders } from '../api/openapi/headers.ts';
import { bodyProblems, operatorProblems, problem } from '../api/openapi/problems.ts';
import {
  CreateEndpointBody,
  EndpointParams,
  UpdateEndpointBody,
  WebhookEndpointListSchema,
  WebhookEndpointSchema,
  WebhookEndpointWithSecretSchema,
} from './api-schemas.ts';
import { eventSet, toEndpointView } from './api-views.ts';
import { registerDeliveryLogRoute } from './delivery-routes.ts';
import { MAX_ENDPOINTS_PER_OPERATOR } from './events.ts';
import type { WebhookService } from './service.ts';

// The endpoint resource (docs/api.md "Webhooks"), in the operator API's scope: the
// same key authentication, the read budget for its GETs, problem details for every error.

export const WEBHOOKS_PATH = '/api/v3/oc/webhooks';
const ONE = `${WEBHOOKS_PATH}/:endpointId`;

const notAllowed = problem(400, {
  codes: ['MALFORMED_JSON', 'INVALID_REQUEST', 'WEBHOOK_URL_NOT_ALLOWED', 'WEBHOOK_LIMIT_REACHED'],
  description:
    'INVALID_REQUEST: a bad property (an unknown event, say); WEBHOOK_URL_NOT_ALLOWED: not https, or a host that is or resolves to a loopback, private, link-local or other non-public address; WEBHOOK_LIMIT_REACHED: the operator has 10 endpoints; MALFORMED_JSON: a body that is not JSON',
});
const missing = {
  404: problem(404, { description: 'NOT_FOUND: no such endpoint for this operator' }),
};
const urlNotAllowed = (reason: string) =>
  new HttpProblem(400, 'WEBHOOK_URL_NOT_ALLOWED', `The webhook URL is not allowed: ${reason}`);

/** The endpoint a request names, as its operator's. */
const endpointOf = (request: FastifyRequest<{ Params: { endpointId: string } }>) => ({
  operatorId: principalOf(request).operatorId,
  endpointId: request.params.endpointId,
});

export function registerWebhookRoutes(app: FastifyInstance, webhooks: WebhookService) {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const common = {
    tags: ['webhooks'],
    security: [{ bearerAuth: [] }],
    ...operatorResponseHeaders(),
  };

  api.post(
    WEBHOOKS_PATH,
    {
      schema: {
        ...common,
        operationId: 'createWebhookEndpoint',
        summary: `Register an endpoint (at most ${MAX_ENDPOINTS_PER_OPERATOR}); its secret is shown only in this answer`,
        body: CreateEndpointBody,
        response: {
          201: WebhookEndpointWithSecretSchema,
          ...operatorProblems(),
          ...bodyProblems(),
          400: notAllowed,
        },
      },
    },
    async (request, reply) => {
      const { url, events, description } = request.body;
      const outcome = await webhooks.create(principalOf(request).operatorId, {
        url,
        events: eventSet(events),
        description: description ?? null,
      });
      if (outcome.kind === 'target-not-allowed') throw urlNotAllowed(outcome.reason);
      if (outcome.kind === 'limit-reached') {
        throw new HttpProblem(400, 'WEBHOOK_LIMIT_REACHED', outcome.message);
      }
      reply.code(201);
      return { ...toEndpointView(outcome.endpoint), secret: outcome.endpoint.secret };
    },
  );

  api.get(
    WEBHOOKS_PATH,
    {
      schema: {
        ...common,
        operationId: 'listWebhookEndpoints',
        summary: "The operator's endpoints (never their secrets)",
        response: { 200: WebhookEndpointListSchema, ...operatorProblems() },
      },
    },
    async (request) => ({
      data: (await webhooks.list(principalOf(request).operatorId)).map(toEndpointView),
    }),
  );

  api.get(
    ONE,
    {
      schema: {
        ...common,
        operationId: 'getWebhookEndpoint',
        summary: 'One endpoint (never its secret)',
        params: EndpointParams,
        response: { 200: WebhookEndpointSchema, ...operatorProblems(), ...missing },
      },
    },
    async (request) => {
      const row = await webhooks.get(endpointOf(request));
      if (!row) throw notFound();
      return toEndpointView(row);
    },
  );

  api.patch(
    ONE,
    {
      schema: {
        ...common,
        operationId: 'updateWebhookEndpoint',
        summary: 'Change the URL, the events, the description, or enable or disable it',
        params: EndpointParams,
        body: UpdateEndpointBody,
        response: {
          200: WebhookEndpointSchema,
          ...operatorProblems(),
          ...bodyProblems(),
          400: notAllowed,
          ...missing,
        },
      },
    },
    async (request) => {
      const { url, events, enabled, description } = request.body;
      const outcome = await webhooks.update(endpointOf(request), {
        ...(url !== undefined && { url }),
        ...(events !== undefined && { events: eventSet(events) }),
        ...(enabled !== undefined && { enabled }),
        ...(description !== undefined && { description }),
      });
      if (outcome.kind === 'target-not-allowed') throw urlNotAllowed(outcome.reason);
      if (outcome.kind === 'not-found') throw notFound();
      return toEndpointView(outcome.endpoint);
    },
  );

  api.delete(
    ONE,
    {
      schema: {
        ...common,
        operationId: 'deleteWebhookEndpoint',
        summary:
          'Delete an endpoint and its deliveries log; messages not yet delivered are dropped',
        params: EndpointParams,
        response: {
          204: z.null().describe('Deleted'),
          ...operatorProblems(),
          ...missing,
        },
      },
    },
    async (request, reply) => {
      if (!(await webhooks.remove(endpointOf(request)))) throw notFound();
      return reply.code(204).send(null);
    },
  );

  registerDeliveryLogRoute(app, webhooks);

  api.post(
    `${ONE}/rotate-secret`,
    {
      schema: {
        ...common,
        operationId: 'rotateWebhookSecret',
        summary: 'A new secret; for 24 h the previous one signs too (two v1 signatures)',
        params: EndpointParams,
        response: {
          200: WebhookEndpointWithSecretSchema,
          ...operatorProblems(),
          ...bodyProblems(),
          ...missing,
        },
      },
    },
    async (request) => {
      const row = await webhooks.rotateSecret(endpointOf(request));
      if (!row) throw notFound();
      return { ...toEndpointView(row), secret: row.secret };
    },
  );
}
