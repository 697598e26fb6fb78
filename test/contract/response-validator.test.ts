import { beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from './build-document.ts';
import { createResponseValidator, type ReceivedAnswer } from './response-validator.ts';

// The check every test answer goes through catches drift: fed answers that differ from the
// service's own document in one way each, it names that way; fed the right answer, nothing.

const JOB_ID = '3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60';
const JOB = `/api/v3/oc/numbers/jobs/${JOB_ID}`;
const job = {
  jobId: JOB_ID,
  operation: 'ready-for-removal',
  state: 'active',
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: '2026-01-01T00:00:01.000Z',
  finishedAt: null,
  progress: { requestedCount: 2, processedCount: 1, successCount: 1, failedCount: 0, percent: 50 },
};
const problem = (status: number, errorCode: string) => ({
  type: `urn:oc-numbers:problem:${errorCode.toLowerCase()}`,
  title: 'Title',
  status,
  detail: 'Detail',
  instance: JOB,
  errorCode,
  errorTicket: 'ET-0123456789AB',
  traceId: '0af7651916cd43dd8448eb211c80319c',
});
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };
const PROBLEM_TYPE = { 'content-type': 'application/problem+json; charset=utf-8' };

let validator: ReturnType<typeof createResponseValidator>;
beforeAll(async () => {
  validator = createResponseValidator(await buildOpenApiDocument());
});

const running: ReceivedAnswer = {
  method: 'GET',
  url: JOB,
  status: 200,
  headers: { ...JSON_TYPE, 'retry-after': '1' },
  body: JSON.stringify(job),
};

describe('the response check', () => {
  it('passes an answer the document describes', () => {
    expect(validator.faults(running)).toEqual([]);
    expect(validator.faults({ ...running, method: 'HEAD', body: '' })).toEqual([]);
    expect(() => validator.assert(running)).not.toThrow();
  });

  it('fails an undocumented status, naming the route, the status and the documented ones', () => {
    const teapot = { ...running, status: 418 };
    expect(validator.faults(teapot)).toEqual([
      'status 418 is not documented (documented: 200, 401, 403, 404, 408, 429, 431, 500, 503)',
    ]);
    expect(() => validator.assert(teapot)).toThrow(
      `GET ${JOB} → 418 is not what the OpenAPI document says (getJob: GET /api/v3/oc/numbers/jobs/{jobId})`,
    );
  });

  it('fails a missing required header, an undocumented one, and a malformed one', () => {
    const accepted = {
      method: 'POST',
      url: '/api/v3/oc/numbers/action/ready-for-removal',
      status: 202,
      headers: {
        ...JSON_TYPE,
        ratelimit: '"global";r=9;t=60, "operator";r=4;t=60',
        'ratelimit-policy': '"global";q=10;w=60, "operator";q=5;w=60',
        location: JOB,
        'retry-after': '1',
      },
      body: JSON.stringify({ ...job, state: 'queued' }),
    };
    expect(validator.faults(accepted)).toEqual([]);
    const { location: _, ...noLocation } = accepted.headers;
    expect(validator.faults({ ...accepted, headers: noLocation })).toEqual([
      'header Location is required but missing',
    ]);
    expect(
      validator.faults({ ...accepted, headers: { ...accepted.headers, link: '<x>' } }),
    ).toEqual(['header link is sent but not documented for this status']);
    expect(
      validator.faults({ ...accepted, headers: { ...accepted.headers, 'retry-after': 'soon' } }),
    ).toEqual(['Retry-After: / must be integer']);
  });

  it('fails a body off its schema, and a media type the status does not offer', () => {
    const drifted = { ...job, state: 'running', percentDone: 50 };
    expect(validator.faults({ ...running, body: JSON.stringify(drifted) })).toEqual([
      'application/json body: / must NOT have additional properties (percentDone); /state must be equal to one of the allowed values (queued, active, completed, cancelled, failed)',
    ]);
    expect(validator.faults({ ...running, headers: { 'content-type': 'text/csv' } })).toEqual([
      'content-type text/csv is not documented (application/json)',
    ]);
    expect(validator.faults({ ...running, body: '{"jobId":' })).toEqual([
      'the application/json body is not JSON: {"jobId":',
    ]);
  });

  it('fails an errorCode the status does not list for the operation', () => {
    const answer = (errorCode: string) =>
      validator.faults({
        method: 'GET',
        url: JOB,
        status: 404,
        headers: PROBLEM_TYPE,
        body: JSON.stringify(problem(404, errorCode)),
      });
    expect(answer('NOT_FOUND')).toEqual([]);
    expect(answer('JOB_FINISHED')).toEqual([
      'application/problem+json body: /errorCode must be equal to one of the allowed values (NOT_FOUND)',
    ]);
  });

  it('fails an answer from a route the document does not have, unless it is the 404', () => {
    const stray = { method: 'GET', url: '/api/v3/oc/numbers/jobs/x/y', headers: PROBLEM_TYPE };
    const notFound = JSON.stringify(problem(404, 'NOT_FOUND'));
    expect(validator.faults({ ...stray, status: 404, body: notFound })).toEqual([]);
    expect(validator.faults({ ...stray, status: 200, body: '{}' })).toEqual([
      'no documented operation answers with 200',
    ]);
    // The document, its UI, Bull Board and the console are served but are not API operations.
    expect(
      validator.faults({ ...stray, url: '/admin/queues/api/queues', status: 200, body: '' }),
    ).toEqual([]);
    for (const url of ['/console', '/console/jobs/x?outcome=SUCCEEDED', '/console/sign-in']) {
      expect(validator.faults({ ...stray, url, status: 303, body: '<html>' })).toEqual([]);
    }
    // Only the console's own prefix: a look-alike path is still checked.
    expect(validator.faults({ ...stray, url: '/consoles', status: 200, body: '' })).toEqual([
      'no documented operation answers with 200',
    ]);
  });
});
