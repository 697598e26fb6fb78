import { beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../contract/build-document.ts';
import { type OpenApiDocument, operationsOf } from '../contract/document.ts';
import { createResponseValidator } from '../contract/response-validator.ts';

// The OpenAPI document is generated from the routes' zod schemas and says everything the
// service answers: statuses, headers, media types, errorCodes. (That every answer the tests get
// matches it is checked on every request: test/contract/checked-answers.ts.) Its page for people,
// Swagger UI: api-docs-page.test.ts.

const ACTION = '/api/v3/oc/numbers/action/ready-for-removal';
const JOB = '/api/v3/oc/numbers/jobs/{jobId}';
const ITEMS = '/api/v3/oc/numbers/jobs/{jobId}/items';
const NEGOTIATING = ['listJobItems', 'listNumbers'];

let doc: OpenApiDocument & Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: a JSON document, walked by its known paths
type Json = Record<string, any>;
const op = (path: string, method: string) => doc.paths[path]?.[method] as Json;
const schemaOf = (name: string) => doc.components?.schemas?.[name] as Json;
const errorCodes = (response: Json) =>
  response.content['application/problem+json'].schema.allOf[1].properties.errorCode.enum;
const headers = (response: Json) =>
  Object.fromEntries(
    Object.entries(response.headers ?? {}).map(([name, h]) => [name, (h as Json).required]),
  );

beforeAll(async () => {
  doc = (await buildOpenApiDocument()) as typeof doc;
});

describe('the OpenAPI document', () => {
  it('leaves the operator console out: its pages are HTML, not API operations', () => {
    const paths = Object.keys((doc as unknown as { paths: Record<string, unknown> }).paths);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((p) => p.startsWith('/console'))).toEqual([]);
  });

  it('names a server, its security schemes, and an operationId for every operation', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/', 'x-internal': false })]);
    const ids = operationsOf(doc).map((o) => o.operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(op(ACTION, 'post').operationId).toBe('readyForRemoval');
    expect(op('/api/v3/oc/action/clear-removal-status', 'post').operationId).toBe(
      'clearRemovalStatus',
    );
  });

  it('gives every operator route the answers of authentication, budgets and outages', () => {
    const operator = operationsOf(doc).filter((o) => o.template.startsWith('/api/'));
    expect(operator.length).toBeGreaterThanOrEqual(10);
    for (const { operation, template, method } of operator) {
      const responses = operation.responses as Json;
      const where = `${method} ${template}`;
      expect(operation.security, where).toEqual([{ bearerAuth: [] }]);
      expect(errorCodes(responses['401']), where).toEqual(['UNAUTHORIZED']);
      expect(headers(responses['401']), where).toEqual({
        RateLimit: true,
        'RateLimit-Policy': true,
        'WWW-Authenticate': true,
      });
      expect(errorCodes(responses['403']), where).toEqual(['FORBIDDEN']);
      expect(errorCodes(responses['429']), where).toEqual(['RATE_LIMITED']);
      // A budget's 429 has its RateLimit fields; the number list's CSV export slots are no budget.
      const budgeted = operation.operationId !== 'listNumbers';
      expect(headers(responses['429']), where).toEqual({
        'Retry-After': true,
        RateLimit: budgeted,
        'RateLimit-Policy': budgeted,
        // The routes that negotiate JSON or CSV may have chosen (Vary) before a 429.
        ...(NEGOTIATING.includes(operation.operationId ?? '') && { Vary: false }),
      });
      expect(headers(responses['503']), where).toMatchObject({ 'Retry-After': true });
      // Every answer may carry the RateLimit fields of a budget (an operation's or the reads').
      // Its success answer: 200, or 201 for a create and 204 for a delete (the webhooks).
      const success = responses['200'] ?? responses['201'] ?? responses['204'];
      expect(headers(success), where).toMatchObject({
        RateLimit: expect.any(Boolean),
        'RateLimit-Policy': expect.any(Boolean),
      });
    }
  });

  it("documents the operation's headers, its errorCodes per status, and 200 apart from 202", () => {
    const responses = op(ACTION, 'post').responses;
    expect(Object.keys(responses).sort()).toEqual([
      '200',
      '202',
      '400',
      '401',
      '403',
      '408',
      '413',
      '415',
      '422',
      '429',
      '431',
      '500',
      '503',
    ]);
    expect(headers(responses['202'])).toEqual({
      Location: true,
      'Retry-After': true,
      RateLimit: true,
      'RateLimit-Policy': true,
      'Preference-Applied': false,
      'Idempotent-Replayed': false,
    });
    expect(errorCodes(responses['400'])).toEqual(
      expect.arrayContaining(['INVALID_TELEPHONE_NUMBERS', 'TOO_MANY_NUMBERS', 'MALFORMED_JSON']),
    );
    expect(errorCodes(responses['500'])).toEqual(['JOB_FAILED', 'INTERNAL_ERROR']);
    expect(errorCodes(responses['422'])).toEqual(['IDEMPOTENCY_KEY_MISMATCH']);
    // A result and a job share no required property, and neither takes the other's: a body
    // alone says which one it is.
    const result = responses['200'].content['application/json'].schema;
    expect(result.oneOf).toEqual([
      { $ref: '#/components/schemas/JobResult' },
      { $ref: '#/components/schemas/DryRunResult' },
    ]);
    const job = schemaOf('Job');
    for (const name of ['JobResult', 'DryRunResult']) {
      const other = schemaOf(name);
      expect(other.required.filter((p: string) => job.required.includes(p))).toEqual([]);
      expect(other.additionalProperties).toBe(false);
    }
    expect(job.additionalProperties).toBe(false);
  });

  it('tells a result from a job by its body: each fails the other status', () => {
    const validator = createResponseValidator(doc);
    const jobId = '3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60';
    const answer = (status: 200 | 202, body: unknown) =>
      validator.faults({
        method: 'POST',
        url: ACTION,
        status,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          ratelimit: '"global";r=9;t=60, "operator";r=4;t=60',
          'ratelimit-policy': '"global";q=10;w=60, "operator";q=5;w=60',
          ...(status === 202 && {
            location: `/api/v3/oc/numbers/jobs/${jobId}`,
            'retry-after': '1',
          }),
        },
        body: JSON.stringify(body),
      });
    const counts = { requestedCount: 1, processedCount: 1, successCount: 1, failedCount: 0 };
    const result = {
      data: { jobId, ...counts, failures: [] },
      status: 'success',
      succeeded: true,
      message: 'done',
    };
    const job = {
      jobId,
      operation: 'ready-for-removal',
      state: 'queued',
      createdAt: '2026-01-01T00:00:00.000Z',
      startedAt: null,
      finishedAt: null,
      progress: { ...counts, percent: 100 },
    };
    expect(answer(200, result)).toEqual([]);
    expect(answer(202, job)).toEqual([]);
    expect(answer(202, result)).not.toEqual([]);
    expect(answer(200, job)).not.toEqual([]);
  });

  it('documents media types, Vary, Link and Content-Disposition where they are sent', () => {
    const items = op(ITEMS, 'get').responses;
    expect(Object.keys(items['200'].content)).toEqual(['application/json', 'text/csv']);
    expect(headers(items['200'])).toMatchObject({
      Vary: true,
      'Content-Disposition': false,
      Link: false,
    });
    expect(headers(items['406'])).toMatchObject({ Vary: true });
    expect(errorCodes(items['400'])).toEqual(['INVALID_REQUEST', 'INVALID_CURSOR']);
    const list = op('/api/v3/oc/numbers', 'get').responses;
    expect(Object.keys(list['200'].content)).toEqual(['application/json', 'text/csv']);
    expect(errorCodes(list['400'])).toEqual([
      'INVALID_TENANT_ID',
      'INVALID_CURSOR',
      'INVALID_REQUEST',
    ]);
    expect(headers(op('/api/v3/oc/numbers/jobs', 'get').responses['200'])).toMatchObject({
      Link: false,
    });
    expect(headers(op(JOB, 'get').responses['200'])).toMatchObject({ 'Retry-After': false });
  });

  it('names the shapes of job items, list entries and numbers; a status is 0, 1, 2 or 3', () => {
    expect(Object.keys(doc.components?.schemas ?? {})).toEqual(
      expect.arrayContaining([
        'Job',
        'JobResult',
        'DryRunResult',
        'JobList',
        'JobListEntry',
        'JobItem',
        'JobItemPage',
        'InventoryNumber',
        'Problem',
      ]),
    );
    expect(schemaOf('JobList').properties.data.items).toEqual({
      $ref: '#/components/schemas/JobListEntry',
    });
    expect(schemaOf('JobItemPage').properties.data.items).toEqual({
      $ref: '#/components/schemas/JobItem',
    });
    expect(schemaOf('InventoryNumber').properties.acquiredNumberStatus).toMatchObject({
      type: 'integer',
      enum: [0, 1, 2, 3],
    });
    expect(schemaOf('Problem').properties.errorCode.enum).toContain('INVALID_CURSOR');
  });

  it('documents health (open) and metrics (admin: 401 Basic or Bearer, 403 for operators)', () => {
    for (const path of ['/health/live', '/health/ready']) {
      expect(op(path, 'get').security).toEqual([]);
      expect(op(path, 'get').responses['200'].content['application/json'].schema).toHaveProperty(
        '$ref',
      );
    }
    expect(headers(op('/health/ready', 'get').responses['503'])).toEqual({ 'Retry-After': true });
    const metrics = op('/metrics', 'get');
    expect(metrics.security).toEqual([{ bearerAuth: [] }, { basicAuth: [] }]);
    expect(Object.keys(metrics.responses['200'].content)).toEqual(['text/plain']);
    expect(errorCodes(metrics.responses['403'])).toEqual(['FORBIDDEN']);
    expect(headers(metrics.responses['401'])).toMatchObject({ 'WWW-Authenticate': true });
    expect((doc.components as Json).securitySchemes).toEqual({
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        description: expect.stringMatching(/^An API key .*OpenID Connect access token/),
      },
      basicAuth: expect.objectContaining({ type: 'http', scheme: 'basic' }),
    });
  });
});
