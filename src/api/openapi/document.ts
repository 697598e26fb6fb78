import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { OPERATIONS } from '../../domain/operations.ts';
import { withNamedComponents } from './components.ts';
import { documentResponseHeaders } from './headers.ts';

// Relative: the API is wherever this document was served from. A generated client takes its
// base URL from here or from its caller. `x-internal` states the audience (OWASP API9).
const SERVERS = [
  {
    url: '/',
    description: 'The instance that served this document (production, staging or local)',
    'x-internal': false,
  },
];

// The OpenAPI document is generated from the routes' zod schemas (one source of truth) and
// served at /openapi.json, with Swagger UI at /docs. Schemas given an `id` with
// `.meta({ id: 'Name' })` become shared components (`#/components/schemas/Name`), and each
// route names its `operationId`, so generated clients get readable types and methods.
export async function registerOpenApi(app: FastifyInstance) {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'oc-numbers',
        version: '3.0.0',
        description:
          'Confirms Operator Connect telephone numbers for removal (MarkedForRemoval → ReadyForRemoval), or clears their removal status (MarkedForRemoval → Active), in bulk. ' +
          'Every error is RFC 9457 problem details (application/problem+json) with errorCode, errorTicket and traceId.',
      },
      servers: SERVERS,
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API key (ocn_…), or an OpenID Connect access token (a JWT, e.g. from Microsoft Entra ID client credentials) of a client mapped to the operator, where OIDC_ISSUERS is configured (docs/operations.md, "OpenID Connect access tokens")',
          },
          basicAuth: {
            type: 'http',
            scheme: 'basic',
            description: 'The admin surfaces: BULL_BOARD_USER and BULL_BOARD_PASSWORD',
          },
        },
      },
      tags: [
        ...Object.values(OPERATIONS).map((operation) => ({
          name: operation.name,
          description: operation.summary,
        })),
        { name: 'jobs', description: 'Jobs created by the operations' },
        { name: 'numbers', description: "The operator's inventory: find and audit numbers" },
        {
          name: 'webhooks',
          description: 'Endpoints told when a job ends: signed messages (Standard Webhooks)',
        },
        { name: 'operations', description: 'Health for orchestrators, metrics for scrapers' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: (documentObject) =>
      documentResponseHeaders(withNamedComponents(documentObject)),
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
