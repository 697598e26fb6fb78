import { describe, expect, it } from 'vitest';
import { useApiSuite } from '../support/app.ts';

// The OpenAPI document's page for people (Swagger UI), served by the API itself.

const suite = useApiSuite('api-docs', {}, { worker: false });

describe('Swagger UI', () => {
  it('is served at /docs', async () => {
    const res = await suite.api.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});
