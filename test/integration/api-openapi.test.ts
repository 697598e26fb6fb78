import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiSuite, closeApiSuite, openApiSuite } from '../support/app.ts';
import { uniquePrefix } from '../support/redis.ts';

// The OpenAPI document is generated from the routes' zod schemas: every route, status code and
// error body of the API is in it.

const prefix = uniquePrefix('api-oas');
// Filled in by beforeAll.
let { t, api } = {} as ApiSuite;

beforeAll(async () => {
  ({ t, api } = await openApiSuite(prefix, {}, { worker: false }));
});
afterAll(() => closeApiSuite({ t, api }, prefix));

describe('OpenAPI', () => {
  it('documents every API route with its status codes and problem bodies', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = JSON.parse(res.body);
    expect(doc.openapi).toBe('3.1.0');
    const statuses = (path: string, method: string) =>
      Object.keys(doc.paths[path][method].responses).sort();
    expect(statuses('/api/v3/oc/numbers/action/ready-for-removal', 'post')).toEqual(
      ['200', '202', '400', '401', '413', '415', '422', '429', '500', '503'].sort(),
    );
    expect(statuses('/api/v3/oc/numbers/jobs/{jobId}', 'get')).toEqual([
      '200',
      '401',
      '404',
      '429',
      '503',
    ]);
    expect(statuses('/api/v3/oc/numbers/jobs/{jobId}', 'delete')).toEqual([
      '200',
      '401',
      '404',
      '409',
      '503',
    ]);
    expect(statuses('/api/v3/oc/numbers/jobs/{jobId}/cancel', 'post')).toEqual([
      '200',
      '401',
      '404',
      '409',
      '503',
    ]);
    expect(statuses('/api/v3/oc/numbers/jobs/{jobId}/items', 'get')).toEqual([
      '200',
      '400',
      '401',
      '404',
      '406',
      '429',
      '503',
    ]);
    expect(statuses('/api/v3/oc/numbers/jobs', 'get')).toEqual(['200', '400', '401', '429', '503']);

    // Shared shapes are components, referenced with $ref.
    const resolve = (schema: { $ref?: string }) =>
      schema.$ref
        ? doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]
        : schema;
    const post = doc.paths['/api/v3/oc/numbers/action/ready-for-removal'].post;
    expect(
      resolve(post.requestBody.content['application/json'].schema).properties.telephoneNumbers,
    ).toMatchObject({
      type: 'array',
      minItems: 1,
      maxItems: 500,
    });
    const problem = resolve(post.responses['400'].content['application/problem+json'].schema);
    expect(problem.required).toEqual(
      expect.arrayContaining([
        'type',
        'title',
        'status',
        'detail',
        'instance',
        'errorCode',
        'errorTicket',
        'traceId',
      ]),
    );
    const answers = post.responses['200'].content['application/json'].schema.anyOf.map(resolve);
    expect(answers.map((a: { properties: object }) => Object.keys(a.properties))).toEqual([
      ['data', 'status', 'succeeded', 'message'],
      ['data', 'status', 'succeeded', 'message', 'dryRun'],
    ]);
    expect(post.operationId).toBe('readyForRemoval');
    expect(doc.paths['/api/v3/oc/action/clear-removal-status'].post.operationId).toBe(
      'clearRemovalStatus',
    );
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Job', 'JobResult', 'DryRunResult', 'JobList', 'Problem']),
    );
    // Every operation of the API has its own operationId, so generated clients get methods.
    const apiOperations = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([, methods]) => Object.values(methods) as { operationId?: string }[]);
    const ids = apiOperations.map((o) => o.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(
      Object.keys(doc.paths['/api/v3/oc/numbers/jobs/{jobId}/items'].get.responses['200'].content),
    ).toEqual(['application/json', 'text/csv']);
    expect(doc.components.securitySchemes.bearerAuth).toEqual({
      type: 'http',
      scheme: 'bearer',
      description: 'API key',
    });
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});
