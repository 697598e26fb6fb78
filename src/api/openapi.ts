import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { withNamedComponents } from './openapi-components.ts';
import { documentResponseHeaders } from './openapi-headers.ts';

// The OpenAPI document is generated from the routes' zod schemas (one source of truth) and
// served at /openapi.json, with Swagger UI at /docs.
export async function registerOpenApi(app: FastifyInstance) {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'oc-numbers',
        version: '3.0.0',
        description:
          'Confirms Operator Connect telephone numbers for removal (MarkedForRemoval → ReadyForRemoval) in bulk. ' +
          'Every error is RFC 9457 problem details (application/problem+json) with errorCode, errorTicket and traceId.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'API key' } },
      },
      tags: [
        { name: 'ready-for-removal', description: 'The endpoint' },
        { name: 'jobs', description: 'Jobs created by the endpoint' },
        { name: 'numbers', description: "The operator's inventory: find and audit numbers" },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: (documentObject) =>
      documentResponseHeaders(
        withNamedComponents(documentObject),
        '/api/v3/oc/numbers/action/ready-for-removal',
      ),
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
